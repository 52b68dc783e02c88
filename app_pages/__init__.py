"""The dashboard's page scripts (run by st.navigation in app.py) and their shared helpers."""
