"""A tile server for the map's browser tests: generated PNG tiles on loopback."""
import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def _tile_png() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (256, 256), (226, 232, 224))
    ImageDraw.Draw(image).rectangle((0, 0, 255, 255), outline=(160, 170, 160))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


class TileServer:
    """Generated tiles on 127.0.0.1 (ephemeral port); counts what it served."""

    def __init__(self):
        tile, served = _tile_png(), []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # the http.server API names it so
                served.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(tile)))
                self.end_headers()
                self.wfile.write(tile)

            def log_message(self, *args):
                pass

        self.served = served
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(timeout=10)
