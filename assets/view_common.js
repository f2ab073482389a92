// optviz views' shared helpers, put in front of path_view.js and sweep_map.js by Python (an inline component is one
// module: it cannot import a sibling file). Packed arrays are plotly.js's typed-array form ({dtype, bdata}), written
// by Python's pack_array / pack_f4; assets are values the page keeps once per session (optviz.asset).

//: plotly.js's typed-array codes (what Python's pack_array and pack_f4 write)
const TYPED = { f8: Float64Array, f4: Float32Array, i1: Int8Array, u1: Uint8Array, i2: Int16Array, u2: Uint16Array,
  i4: Int32Array, u4: Uint32Array };

function decodeBytes(bdata) {
  const text = atob(bdata);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i); // no per-byte callback: ~5x faster
  return bytes;
}

function decodeArray(values) {
  // A packed array ({dtype, bdata}) as a typed array; anything else as it is.
  if (!values || typeof values.bdata !== "string" || !TYPED[values.dtype]) return values;
  return new TYPED[values.dtype](decodeBytes(values.bdata).buffer);
}

function assets() {
  window.__optviz = window.__optviz || { assets: {} };
  return window.__optviz.assets;
}
