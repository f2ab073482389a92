"""Pure Plotly figure builders for the pages (no Streamlit): data in, ``go.Figure`` out."""
