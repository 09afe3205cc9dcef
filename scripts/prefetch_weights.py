"""Fetch the pretrained backbone's weights into the app's cache folder, so a server can run offline.

Run it once on a machine with internet, in the app's folder:

    python scripts/prefetch_weights.py                      # into ~/.cache/vision-explorer/weights
    python scripts/prefetch_weights.py --cache-dir /srv/ve  # into another cache folder (the server's)

If the server is another machine, copy the ``weights`` folder into its cache folder
(``$XDG_CACHE_HOME/vision-explorer``, else ``~/.cache/vision-explorer``). The file is checked against the
SHA-256 prefix torchvision publishes in its name; a damaged download is not kept.
"""

from __future__ import annotations

import argparse
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from explorer.data import downloads  # noqa: E402  (the project root is on the path only from here)
from explorer.deep import backbone  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache-dir", default=str(downloads.DEFAULT_ROOT), help="the app's cache folder")
    parser.add_argument("--url", default=backbone.WEIGHTS_URL, help="where to fetch the weights (a mirror)")
    args = parser.parse_args(argv)
    target = backbone.weights_path(args.cache_dir, args.url)
    if target.is_file():
        print(f"Already there: {target}")
        return 0
    print(f"Fetching {args.url} ({backbone.WEIGHTS_MB:g} MB)")
    shown = [-1]

    def on_progress(fraction: float) -> None:
        percent = int(fraction * 100)
        if percent // 10 != shown[0] // 10:
            print(f"  {percent:3d} %", flush=True)
        shown[0] = percent

    try:
        path = backbone.download_weights(args.cache_dir, url=args.url, on_progress=on_progress)
    except backbone.WeightsUnavailableError as error:
        print(f"Could not fetch the weights: {error}", file=sys.stderr)
        return 1
    print(f"Saved {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
