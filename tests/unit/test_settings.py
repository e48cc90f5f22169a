import pytest

from service.settings import SettingsError, settings_from


def test_defaults_are_the_embedded_development_setup():
    settings = settings_from({})
    assert settings.port == 3978 and settings.app_env == "development"
    assert settings.database_url.startswith("sqlite:///") and settings.database_url.endswith("var/peer-challenge.sqlite3")
    assert not settings.authenticated and settings.timezone == "Europe/London"


def test_production_without_an_app_id_refuses_to_start_and_says_what_to_set():
    with pytest.raises(SettingsError, match="MicrosoftAppId"):
        settings_from({"APP_ENV": "production"})


def test_every_problem_is_reported_at_once():
    with pytest.raises(SettingsError) as error:
        settings_from({"PORT": "eighty", "TIMEZONE": "Mars/Olympus", "MicrosoftAppType": "Other", "MAIL_BACKEND": "pigeon"})
    message = str(error.value)
    for name in ("PORT", "TIMEZONE", "MicrosoftAppType", "MAIL_BACKEND"):
        assert name in message


def test_single_tenant_needs_a_tenant_and_a_secret():
    with pytest.raises(SettingsError) as error:
        settings_from({"MicrosoftAppId": "x", "MicrosoftAppType": "SingleTenant"})
    assert "MicrosoftAppTenantId" in str(error.value) and "MicrosoftAppPassword" in str(error.value)


def test_sdk_overrides_reach_the_sdk_under_its_own_names():
    settings = settings_from(
        {"MicrosoftAppId": "0b5e7a00-0000-4000-8000-0000000000a9", "MicrosoftAppPassword": "secret", "ToBotFromChannelOpenIdMetadataUrl": "https://127.0.0.1:1/meta"}
    )
    configuration = settings.sdk_configuration()
    assert configuration.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL == "https://127.0.0.1:1/meta"
    assert configuration.APP_ID == "0b5e7a00-0000-4000-8000-0000000000a9" and configuration.APP_PASSWORD == "secret"


def test_postgres_urls_use_psycopg_3():
    assert settings_from({"DATABASE_URL": "postgresql://u@h/db"}).database_url == "postgresql+psycopg://u@h/db"


def test_local_mode_listens_on_this_machine_only_unless_host_says_otherwise():
    assert settings_from({}).host == "127.0.0.1"  # unauthenticated: nobody else on the network can act as anyone
    assert settings_from({"HOST": "0.0.0.0"}).host == "0.0.0.0"
    authenticated = settings_from({"MicrosoftAppId": "0b5e7a00-0000-4000-8000-000000000001", "MicrosoftAppPassword": "x"})
    assert authenticated.host == "0.0.0.0"  # behind a load balancer, every request's token is checked


def test_serve_says_where_it_listens_and_warns_of_local_mode_on_the_network():
    from service.cli import _listening

    local = _listening(settings_from({}), "127.0.0.1", 3978)
    assert "http://127.0.0.1:3978/api/messages" in local and "only this machine can reach it" in local
    assert "WARNING" in _listening(settings_from({"HOST": "0.0.0.0"}), "0.0.0.0", 3978)


def test_retention_days_default_to_ninety_and_a_bad_value_is_named():
    assert settings_from({}).retention_days == 90 and settings_from({"RETENTION_DAYS": "30"}).retention_days == 30
    with pytest.raises(SettingsError, match="RETENTION_DAYS is 'forever'"):
        settings_from({"RETENTION_DAYS": "forever"})


def test_malformed_values_are_all_named_at_once_with_an_example():
    bad = {"MicrosoftAppId": "my-bot", "MicrosoftAppPassword": "x", "MAIL_FROM": "assistant at council", "PUBLIC_URL": "assistant.council",
           "SCHEDULER": "maybe", "DISPATCHER": "sometimes", "COORDINATORS_EMAIL": "coordinators", "SMTP_TIMEOUT": "soon",
           "PEER_CHALLENGE_LIBRARY_URL": "the library"}
    with pytest.raises(SettingsError) as refused:
        settings_from(bad)
    said = str(refused.value)
    for name in ("MicrosoftAppId is 'my-bot'", "MAIL_FROM is", "PUBLIC_URL is", "SCHEDULER is 'maybe'; set it to on or off",
                 "DISPATCHER is", "COORDINATORS_EMAIL is", "SMTP_TIMEOUT is", "PEER_CHALLENGE_LIBRARY_URL is"):
        assert name in said, name
    assert "such as" in said
    with pytest.raises(SettingsError, match="UserAssignedMSI: set MicrosoftAppTenantId"):
        settings_from({"MicrosoftAppId": "0b5e7a00-1234-4000-8000-00000000abcd", "MicrosoftAppType": "UserAssignedMSI"})


def test_the_example_env_file_lists_every_setting_the_service_reads():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    read = set(re.findall(r'get\("([A-Za-z_]+)"', (root / "service" / "settings.py").read_text(encoding="utf-8")))
    listed = set(re.findall(r"^([A-Za-z_]+)=", (root / ".env.example").read_text(encoding="utf-8"), re.MULTILINE))
    assert read - {"LOG_LEVEL"} <= listed, sorted(read - listed)
    from dotenv import dotenv_values

    example = settings_from({k: v or "" for k, v in dotenv_values(root / ".env.example").items()})  # as copied, it starts
    assert example.port == 3978 and example.host == "127.0.0.1" and example.retention_days == 90


def test_log_format_json_is_one_object_per_line_with_the_turns_fields():
    import json
    import logging

    from service.logs import JsonLines

    record = logging.LogRecord("bot.messages", logging.INFO, __file__, 1, "turn %s: %s in %.0f ms", ("a1", 200, 12.3), None)
    record.activity, record.outcome, record.duration_ms = "a1", 200, 12
    line = JsonLines().format(record)
    entry = json.loads(line)
    assert "\n" not in line and entry["level"] == "INFO" and entry["logger"] == "bot.messages"
    assert entry["message"] == "turn a1: 200 in 12 ms" and entry["activity"] == "a1" and entry["outcome"] == 200
    assert entry["duration_ms"] == 12 and entry["time"].endswith("Z")


def test_the_host_is_botbuilder_unless_bot_host_says_agents_and_a_bad_one_is_named():
    assert settings_from({}).bot_host == "botbuilder"
    assert settings_from({"BOT_HOST": "Agents"}).bot_host == "agents"
    with pytest.raises(SettingsError, match="BOT_HOST is 'copilot'; set it to botbuilder"):
        settings_from({"BOT_HOST": "copilot"})


def test_the_agents_sdk_connection_names_stand_for_the_standard_ones():
    prefix = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__"
    guid = "6f1c2a9e-5b7d-4c3e-9a0b-1d2e3f4a5b6c"
    tenant = "72f988bf-0000-4000-8000-00000000a11e"
    single = settings_from({prefix + "CLIENTID": guid, prefix + "CLIENTSECRET": "s3cret", prefix + "TENANTID": tenant, prefix + "AUTHTYPE": "ClientSecret"})
    assert (single.app_id, single.app_password, single.app_tenant_id, single.app_type) == (guid, "s3cret", tenant, "SingleTenant")
    multi = settings_from({prefix + "CLIENTID": guid, prefix + "CLIENTSECRET": "s3cret"})
    assert (multi.app_id, multi.app_type) == (guid, "MultiTenant")
    managed = settings_from({prefix + "CLIENTID": guid, prefix + "TENANTID": tenant, prefix + "AUTHTYPE": "UserManagedIdentity"})
    assert managed.app_type == "UserAssignedMSI"
    # The standard names win where both are set.
    both = settings_from({"MicrosoftAppId": guid, "MicrosoftAppPassword": "standard", prefix + "CLIENTSECRET": "agents"})
    assert both.app_password == "standard"
    with pytest.raises(SettingsError, match="AUTHTYPE is 'Certificate'"):
        settings_from({prefix + "CLIENTID": guid, prefix + "AUTHTYPE": "Certificate"})
