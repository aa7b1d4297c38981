"""Pages: thin function views (access check, form, one service call, render or redirect).

One module per area; segments.urls names them.
"""
