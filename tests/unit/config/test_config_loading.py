"""Loading settings: defaults, YAML, VMS_* overrides and their precedence, file errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from vms.config import ConfigError, Settings, load_settings


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "vms.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_defaults_without_file_or_environment() -> None:
    settings = load_settings(None, {})
    assert (settings.server.host, settings.server.port, settings.server.rtsp_port) == (
        "127.0.0.1",
        8080,
        8554,
    )
    assert settings.database.url == "sqlite:///data/vms.db"
    assert [(p.name, p.path) for p in settings.storage.pools] == [
        ("default", Path("data/recordings"))
    ]
    assert settings.storage.free_space_floor_percent == 5.0
    assert settings.storage.free_space_floor_bytes is None
    assert (settings.recording.segment_duration_s, settings.recording.fragment_ms) == (60, 1000)
    assert (settings.retention.interval_s, settings.retention.default_days) == (60, 30)
    assert settings.retention.default_max_bytes is None
    assert settings.cameras == []
    assert (settings.logging.level, settings.logging.format) == ("info", "console")


def test_data_dir_moves_database_and_default_pool() -> None:
    settings = load_settings(None, {"VMS_STORAGE__DATA_DIR": "/srv/vms"})
    assert settings.database.url == "sqlite:////srv/vms/vms.db"
    assert settings.storage.pools[0].path == Path("/srv/vms/recordings")


def test_explicit_database_and_pools_are_kept(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        {
            "database": {"url": "postgresql://vms:pw@db/vms"},
            "storage": {"data_dir": "/x", "pools": [{"name": "disk1", "path": "/mnt/d1"}]},
        },
    )
    settings = load_settings(path, {})
    assert settings.database.url == "postgresql://vms:pw@db/vms"
    assert [p.name for p in settings.storage.pools] == ["disk1"]


def test_environment_overrides_file_which_overrides_defaults(tmp_path: Path) -> None:
    path = write(
        tmp_path, {"server": {"port": 9000, "host": "0.0.0.0"}, "logging": {"level": "debug"}}
    )
    settings = load_settings(
        path, {"VMS_SERVER__PORT": "9100", "VMS_LOGGING__FORMAT": "json", "HOME": "/root"}
    )
    assert settings.server.port == 9100  # environment beats file
    assert settings.server.host == "0.0.0.0"  # file beats default
    assert settings.server.rtsp_port == 8554  # default
    assert (settings.logging.level, settings.logging.format) == ("debug", "json")


def test_vms_config_names_the_file_and_an_explicit_path_wins(tmp_path: Path) -> None:
    from_env = write(tmp_path, {"server": {"port": 9001}})
    explicit = tmp_path / "other.yaml"
    explicit.write_text("server:\n  port: 9002\n", encoding="utf-8")
    assert load_settings(None, {"VMS_CONFIG": str(from_env)}).server.port == 9001
    assert load_settings(explicit, {"VMS_CONFIG": str(from_env)}).server.port == 9002


def test_empty_file_means_defaults(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text("# nothing yet\n", encoding="utf-8")
    assert load_settings(path, {}) == load_settings(None, {})


@pytest.mark.parametrize("text", ["null", ""])
def test_environment_null_clears_a_nullable_limit(text: str) -> None:
    settings = load_settings(None, {"VMS_RETENTION__DEFAULT_DAYS": text})
    assert settings.retention.default_days is None


def test_environment_json_sets_a_list() -> None:
    env = {"VMS_STORAGE__POOLS": '[{"name": "a", "path": "/a"}, {"name": "b", "path": "/b"}]'}
    assert [p.name for p in load_settings(None, env).storage.pools] == ["a", "b"]


def test_environment_reaches_a_camera_by_id_or_position(tmp_path: Path) -> None:
    cameras = [
        {"id": "front-door", "main_url": "rtsp://10.0.0.5/s0"},
        {"id": "gate", "main_url": "rtsp://10.0.0.6/s0"},
    ]
    path = write(tmp_path, {"cameras": cameras})
    env = {
        "VMS_CAMERAS__FRONT_DOOR__PASSWORD": "s3cret",
        "VMS_CAMERAS__FRONT_DOOR__USERNAME": "admin",
        "VMS_CAMERAS__1__ENABLED": "false",
    }
    settings = load_settings(path, env)
    front, gate = settings.cameras
    assert front.password is not None and front.password.get_secret_value() == "s3cret"
    assert front.username == "admin"
    assert gate.enabled is False


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({"VMS_CAMERAS__NOPE__PASSWORD": "x"}, "no item with id 'nope'"),
        ({"VMS_CAMERAS__5__PASSWORD": "x"}, "cameras[5] does not exist"),
        ({"VMS_SERVER__PORT__X": "1"}, "server.port is a single value"),
        ({"VMS_SERVER____PORT": "1"}, "empty key"),
        ({"VMS_STORAGE__POOLS": "[{bad json"}, "not valid JSON"),
    ],
)
def test_environment_variables_that_cannot_be_placed(
    tmp_path: Path, env: dict[str, str], fragment: str
) -> None:
    path = write(
        tmp_path,
        {"server": {"port": 9000}, "cameras": [{"id": "gate", "main_url": "rtsp://h/s"}]},
    )
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env)
    (problem,) = caught.value.problems
    assert problem.key == next(iter(env))
    assert fragment in problem.problem
    assert problem.fix


def test_environment_cannot_index_a_list_the_file_does_not_define() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(None, {"VMS_CAMERAS__0__PASSWORD": "x"})
    (problem,) = caught.value.problems
    assert "no items" in problem.problem
    assert "VMS_CAMERAS" in problem.fix


def test_unknown_environment_variable_is_an_error_naming_it() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(None, {"VMS_SERVR__PORT": "9000"})
    (problem,) = caught.value.problems
    assert problem.key == "servr"
    assert problem.origin == "VMS_SERVR__PORT"
    assert "did you mean 'server'" in problem.fix
    assert "VMS_SERVR__PORT" in str(caught.value)


def test_unknown_nested_environment_key_names_the_dotted_key() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(None, {"VMS_SERVER__PROT": "9000"})
    (problem,) = caught.value.problems
    assert (problem.key, problem.origin) == ("server.prot", "VMS_SERVER__PROT")
    assert "did you mean 'port'" in problem.fix


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found") as caught:
        load_settings(tmp_path / "absent.yaml", {})
    assert "absent.yaml" in str(caught.value)


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read it"):
        load_settings(tmp_path, {})  # a folder, not a file


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("server:\n  port: 9000\n   host: x\n", "invalid YAML at line 3"),
        ("server: [1, 2\n", "invalid YAML at line 2"),
        ("server:\n  port: 1\n  port: 2\n", "appears twice"),
        ("- server\n- storage\n", "top level is not a mapping"),
    ],
)
def test_bad_yaml(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, {})
    assert fragment in str(caught.value)
    assert "fix:" in str(caught.value)


def test_settings_are_frozen() -> None:
    settings = load_settings(None, {})
    with pytest.raises(ValidationError):
        settings.server.port = 1  # type: ignore[misc]


def test_settings_can_be_built_directly_with_derived_defaults() -> None:
    settings = Settings.model_validate({"storage": {"data_dir": "d"}})
    assert settings.database.url == "sqlite:///d/vms.db"
    assert settings.camera("nope") is None
