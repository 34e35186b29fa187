"""The `vms` command: serve, demo, simulate, camera, index repair, export and export verify, events
export."""

from __future__ import annotations

import argparse
import base64
import functools
import json
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vms.config import Settings


def _add_config_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        help="YAML configuration file (default: $VMS_CONFIG, else built-in defaults)",
    )


def _config_path(args: argparse.Namespace) -> Path | None:
    if args.config is not None:
        return Path(args.config)
    env = os.environ.get("VMS_CONFIG")
    return Path(env) if env else None


def _settings(args: argparse.Namespace) -> Settings | None:
    """The settings from the file and environment; None (after saying why) when they are wrong."""
    from vms.config import ConfigError, load_settings

    try:
        return load_settings(_config_path(args), os.environ)
    except ConfigError as exc:
        print(f"vms: configuration error\n{exc}", file=sys.stderr)
        return None


def _cmd_serve(args: argparse.Namespace) -> int:
    from vms.server import serve

    settings = _settings(args)
    if settings is None:
        return 2
    return serve(settings)


def _cmd_demo(args: argparse.Namespace) -> int:
    from vms.demo import run_demo

    return run_demo(cameras=args.cameras, data_dir=args.data_dir, port=args.port)


def _cmd_openapi(args: argparse.Namespace) -> int:
    from vms.commands import openapi_document

    text = json.dumps(openapi_document(), indent=1, sort_keys=True)
    if args.output is None:
        print(text)
    else:
        Path(args.output).write_text(text + "\n", encoding="utf-8")
    return 0


def _cmd_simulate(args: argparse.Namespace) -> int:
    from vms.simulator.command import run

    return run(args)


def _cmd_index_repair(args: argparse.Namespace) -> int:
    from vms.commands import repair

    settings = _settings(args)
    if settings is None:
        return 2
    return repair(settings)


def _cmd_user_password(args: argparse.Namespace) -> int:
    from vms.commands import set_user_password

    settings = _settings(args)
    if settings is None:
        return 2
    password = os.environ.get("VMS_NEW_PASSWORD")
    if password is None:
        import getpass

        password = getpass.getpass(f"New password for {args.name}: ")
        if getpass.getpass("Again: ") != password:
            print("vms: the two passwords differ", file=sys.stderr)
            return 2
    return set_user_password(settings, args.name, password, args.role)


def _cmd_events(args: argparse.Namespace) -> int:
    from vms.events_command import run_export

    return run_export(args, functools.partial(_settings, args))


def _add_api_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--api", default="http://127.0.0.1:8080", help="VMS API base URL")
    parser.add_argument(
        "--user",
        default=os.environ.get("VMS_USER", "admin"),
        help="VMS user to sign in as (default: $VMS_USER, else admin); the password comes "
        "from $VMS_PASSWORD, else it is asked for",
    )


@functools.cache
def _authorization(user: str) -> str:
    """An HTTP Basic header for `user` (asked for once per run); the password is never a
    command-line argument, where other users of the machine could read it in the process list."""
    password = os.environ.get("VMS_PASSWORD")
    if password is None:
        if not sys.stdin.isatty():
            raise SystemExit("vms: set VMS_PASSWORD (or run in a terminal to be asked)")
        import getpass

        password = getpass.getpass(f"VMS password for {user}: ")
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return f"Basic {token}"


def _api_request(
    args: argparse.Namespace, method: str, path: str, body: object | None = None
) -> object:
    api = args.api
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        f"{api.rstrip('/')}/api/v1{path}",
        data=data,
        method=method,
        headers={
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Authorization": _authorization(args.user),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            payload = response.read()
    except urllib.error.HTTPError as exc:
        problem = exc.read().decode(errors="replace")
        raise SystemExit(f"vms: {method} {path} failed: {exc.code} {problem}") from None
    except urllib.error.URLError as exc:
        raise SystemExit(f"vms: cannot reach the VMS API at {api}: {exc.reason}") from None
    return json.loads(payload) if payload else None


def _cmd_camera(args: argparse.Namespace) -> int:
    if args.camera_command == "list":
        result = _api_request(args, "GET", "/cameras")
    elif args.camera_command == "add":
        body: dict[str, object] = {
            "id": args.id,
            "name": args.name or args.id,
            "main_url": args.main_url,
            "transport": args.transport,
            "record": not args.no_record,
        }
        if args.sub_url:
            body["sub_url"] = args.sub_url
        body.update(_camera_credentials(args))
        result = _api_request(args, "POST", "/cameras", body)
    elif args.camera_command == "status":
        result = _api_request(args, "GET", f"/cameras/{args.id}/status")
    else:
        result = _api_request(args, "DELETE", f"/cameras/{args.id}")
    if result is not None:
        print(json.dumps(result, indent=2))
    return 0


def _camera_credentials(args: argparse.Namespace) -> dict[str, str]:
    """The camera's user name and password, taken exactly as given (never percent-decoded: VMS
    percent-encodes them when it puts them into the URL). With --password-stdin the password is
    the first line of standard input without its line ending, so it is neither in the shell's
    history nor in the process list."""
    out: dict[str, str] = {}
    if args.username is not None:
        out["username"] = args.username
    password = args.password
    if args.password_stdin:
        password = sys.stdin.readline().removesuffix("\n").removesuffix("\r")
    if password is not None:
        out["password"] = password
    return out


def _camera_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    camera = sub.add_parser("camera", help="list, add, inspect or remove cameras (via the API)")
    _add_api_arguments(camera)
    actions = camera.add_subparsers(dest="camera_command", required=True)
    actions.add_parser("list", help="list cameras")
    add = actions.add_parser("add", help="add a camera; recording starts at once")
    add.add_argument("id", help="camera id: lowercase letters, digits, '-' or '_'")
    add.add_argument(
        "main_url",
        help="RTSP URL of the main stream; credentials in it are percent-decoded (write @ : / %% #"
        " and space in a password as %%40 %%3A %%2F %%25 %%23 %%20), or use --username/--password",
    )
    add.add_argument("--username", help="camera user name (taken as written, not decoded)")
    secret = add.add_mutually_exclusive_group()
    secret.add_argument(
        "--password",
        help="camera password, taken as written (visible to other users in the process list:"
        " prefer --password-stdin)",
    )
    secret.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the camera password from the first line of standard input",
    )
    add.add_argument("--sub-url", help="RTSP URL of the sub stream")
    add.add_argument("--name", help="display name")
    add.add_argument("--transport", choices=["tcp", "udp"], default="tcp")
    add.add_argument("--no-record", action="store_true", help="add without recording")
    for name, text in (("status", "show a camera's status"), ("remove", "remove a camera")):
        action = actions.add_parser(name, help=text)
        action.add_argument("id")
    camera.set_defaults(func=_cmd_camera)


def _download(args: argparse.Namespace, path: str, target: Path) -> None:
    api = args.api
    request = urllib.request.Request(
        f"{api.rstrip('/')}/api/v1{path}", headers={"Authorization": _authorization(args.user)}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            target.write_bytes(response.read())
    except urllib.error.URLError as exc:
        raise SystemExit(f"vms: cannot download {path}: {exc}") from None


def _cmd_export(args: argparse.Namespace) -> int:
    if args.start == "verify":
        return _cmd_export_verify(args)
    import time

    if args.end is None or args.camera is None:
        raise SystemExit("vms: usage: vms export CAMERA START END [--out FILE]")
    body = {
        "camera": args.camera,
        "start": args.start,
        "end": args.end,
        "format": "mp4",
        "requested_by": args.requested_by,
    }
    job = _api_request(args, "POST", "/exports", body)
    assert isinstance(job, dict)
    while job["state"] in ("queued", "running"):
        time.sleep(0.5)
        job = _api_request(args, "GET", f"/exports/{job['id']}")
        assert isinstance(job, dict)
    if job["state"] != "done":
        print(f"vms: export {job['id']} {job['state']}: {job.get('error')}", file=sys.stderr)
        return 1
    out = Path(args.out or f"{args.camera}-{job['media_start_ms']}.mp4")
    _download(args, f"/exports/{job['id']}/file", out)
    manifest = out.with_suffix(".manifest.json")
    _download(args, f"/exports/{job['id']}/manifest", manifest)
    print(f"{out}\n{manifest}")
    return 0


def _cmd_export_verify(args: argparse.Namespace) -> int:
    """`vms export verify FILE MANIFEST`: valid, or which field does not match and why."""
    from vms.playback.signing import SiteKey, verify_files

    if args.camera is None or args.end is None:
        raise SystemExit("vms: usage: vms export verify FILE MANIFEST [--config FILE]")
    trusted: list[bytes] = []
    if _config_path(args) is not None:
        from vms.config import load_settings

        settings = load_settings(_config_path(args), os.environ)
        trusted.append(SiteKey.load_or_create(settings.storage.data_dir).public_raw)
    result = verify_files(Path(args.camera), Path(args.end), trusted)
    if result.valid:
        print(
            f"valid: signed by key {result.key_id}" + ("" if trusted else " (site key not checked)")
        )
        return 0
    print("NOT VALID")
    for issue in result.issues:
        print(f"  {issue.field}: {issue.reason}")
    return 1


def _export_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    export = sub.add_parser(
        "export",
        help="export a time range to a signed MP4 (via the API), or `export verify FILE MANIFEST`",
    )
    export.add_argument("start", help="'verify', or the camera id")
    export.add_argument("camera", nargs="?", help="range start (or FILE for verify)")
    export.add_argument("end", nargs="?", help="range end (or MANIFEST for verify)")
    _add_api_arguments(export)
    export.add_argument("--out", help="output file (default CAMERA-START.mp4)")
    export.add_argument("--requested-by", default=os.environ.get("USER", "cli"))
    _add_config_argument(export)
    export.set_defaults(func=_cmd_export_dispatch)


def _cmd_export_dispatch(args: argparse.Namespace) -> int:
    if args.start == "verify":
        return _cmd_export_verify(args)
    args.camera, args.start, args.end = args.start, args.camera, args.end
    return _cmd_export(args)


def build_parser() -> argparse.ArgumentParser:
    from vms.events_command import add_parser as add_events_parser
    from vms.simulator.command import add_arguments as add_simulate_arguments

    parser = argparse.ArgumentParser(prog="vms", description="VMS video management system")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run VMS (API, ingest, recording, retention)")
    _add_config_argument(serve)
    serve.set_defaults(func=_cmd_serve)

    demo = sub.add_parser("demo", help="run VMS with simulated cameras (what `make run` does)")
    demo.add_argument("--cameras", type=int, default=2)
    demo.add_argument("--data-dir", type=Path, default=Path("data"))
    demo.add_argument("--port", type=int, default=8080)
    demo.set_defaults(func=_cmd_demo)

    simulate = sub.add_parser("simulate", help="serve simulated RTSP cameras")
    add_simulate_arguments(simulate)
    simulate.set_defaults(func=_cmd_simulate)

    _camera_parser(sub)
    _export_parser(sub)
    add_events_parser(sub, _add_config_argument, _cmd_events)

    openapi = sub.add_parser("openapi", help="print the API's OpenAPI document (JSON)")
    openapi.add_argument("-o", "--output", type=Path, help="write it to this file instead")
    openapi.set_defaults(func=_cmd_openapi)

    user = sub.add_parser("user", help="user maintenance while VMS is stopped")
    user_actions = user.add_subparsers(dest="user_command", required=True)
    password = user_actions.add_parser(
        "password",
        help="set a user's password (made if missing): a lost admin password is reset here; "
        "the password comes from $VMS_NEW_PASSWORD or is asked for",
    )
    password.add_argument("name", help="user name")
    password.add_argument(
        "--role", choices=["viewer", "operator", "admin"], default="admin", help="role if made"
    )
    _add_config_argument(password)
    password.set_defaults(func=_cmd_user_password)

    index = sub.add_parser("index", help="segment index maintenance")
    index_actions = index.add_subparsers(dest="index_command", required=True)
    repair = index_actions.add_parser(
        "repair", help="rebuild the index from the files (VMS must not be running)"
    )
    _add_config_argument(repair)
    repair.set_defaults(func=_cmd_index_repair)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
