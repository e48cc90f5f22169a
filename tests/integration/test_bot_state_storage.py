import pytest

from storage.bot_state import DatabaseStorage


async def test_round_trip_and_optimistic_concurrency(database):
    storage = DatabaseStorage(database.sessions)
    await storage.write({"conv/1": {"step": 1}})
    first = (await storage.read(["conv/1"]))["conv/1"]
    assert first["step"] == 1 and first["e_tag"]

    await storage.write({"conv/1": {**first, "step": 2}})
    with pytest.raises(KeyError):
        await storage.write({"conv/1": {**first, "step": 3}})  # stale e_tag
    assert (await storage.read(["conv/1"]))["conv/1"]["step"] == 2

    await storage.write({"conv/1": {"step": 4, "e_tag": "*"}})
    assert (await storage.read(["conv/1"]))["conv/1"]["step"] == 4

    await storage.delete(["conv/1"])
    assert await storage.read(["conv/1"]) == {}


async def test_state_survives_a_new_storage_object(database):
    await DatabaseStorage(database.sessions).write({"user/a": {"name": "x"}})
    assert (await DatabaseStorage(database.sessions).read(["user/a"]))["user/a"]["name"] == "x"
