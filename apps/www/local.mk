# www: the static web server app.
