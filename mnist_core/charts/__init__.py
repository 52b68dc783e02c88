"""Plotly figure builders (plain functions, no Streamlit), one module per page topic."""
