"""The Streamlit parts pages share: resources every session reads, a session's runs and active
model, the sidebar, small widgets, the training job view, the canvas and per-model views."""
