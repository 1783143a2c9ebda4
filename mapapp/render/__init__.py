"""The map of a view drawn on the server, as the browser's Leaflet map would show it: inline in the
page before the scripts run (`mapapp.ui.firstpaint`) and as an image, `/map.svg` (`render.http`).

`mercator` places points and fits bounds the way Leaflet and supercluster do; `drawing` turns a
view (filters, colouring, opened pôle, map view) into what is drawn; `svg` writes it.
"""
