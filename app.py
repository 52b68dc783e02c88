"""MNIST Lab: the hello world of deep learning, as a dashboard. This file only routes."""

import streamlit as st

from ui.accessibility import accessibility_layer
from ui.resources import freeze_startup_objects, tune_server_process
from ui.session import keep, reattach
from ui.sidebar import render_sidebar

st.set_page_config(page_title="MNIST Lab", page_icon=":material/draw:", layout="wide")
tune_server_process()
reattach()  # after a reload: this browser's runs, job, drawing and form, as they were

navigation = st.navigation(
    [
        st.Page("app_pages/home.py", title="Home", icon=":material/school:", default=True),
        st.Page("app_pages/dataset.py", title="Dataset", icon=":material/grid_view:"),
        st.Page("app_pages/train.py", title="Train", icon=":material/model_training:"),
        st.Page("app_pages/learn.py", title="How it learns", icon=":material/trending_down:",
                url_path="learn"),
        st.Page("app_pages/predictions.py", title="Predictions", icon=":material/fact_check:"),
        st.Page("app_pages/network.py", title="Inside the network", icon=":material/hub:",
                url_path="network"),
        st.Page("app_pages/draw.py", title="Draw", icon=":material/draw:"),
        st.Page("app_pages/mine.py", title="Your digits", icon=":material/edit_note:", url_path="mine"),
        st.Page("app_pages/lab.py", title="Break it", icon=":material/science:", url_path="lab"),
    ]
)
render_sidebar(navigation.url_path)
accessibility_layer()
navigation.run()
keep()
freeze_startup_objects(navigation.url_path)
