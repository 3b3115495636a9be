"""The local web app (``digitnet serve``): draw a digit, read a photo, look inside the
network, and watch it learn. Needs ``pip install 'digitnet[web]'`` (FastAPI, uvicorn)."""
