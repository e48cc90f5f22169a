"""The running assistant for the end-to-end tests: the `assistant` fixture, set up by the closest
`assistant` marker of the test, its class or its module:

    pytestmark = pytest.mark.assistant(now=NOW, settings={"MODERATION_MAILBOX": MAILBOX}, roster=(DCS, COORDINATOR))

* `now`: the app's clock (default: tests.support.assistant.EXAMPLE_NOW);
* `settings`: settings added to the app's (DATABASE_URL, DISPATCHER=off and SCHEDULER=off);
* `roster`: the people the Bot Connector stand-in's roster API knows (default: nobody), each
  listed as tests.support.people.roster_entry lists them; with `principal_names=True` with their
  userPrincipalName too;
* `setup`: names of fixtures asked for once the app runs and the roster is set, for what a module
  adds to the example calendar's records (e.g. `second_moderation_coordinator`).
"""

from __future__ import annotations

import pytest

from tests.support.assistant import start_assistant
from tests.support.enquiries import add_second_moderation_coordinator
from tests.support.people import roster_entry

OPTIONS = {"now", "settings", "roster", "principal_names", "setup"}


@pytest.fixture
async def assistant(request, database):
    """The real app on `database`, with the example calendar imported and a Bot Connector stand-in
    (tests.support.assistant.RunningAssistant), as the closest `assistant` marker says."""
    marker = request.node.get_closest_marker("assistant")
    options = dict(marker.kwargs) if marker else {}
    if (marker and marker.args) or set(options) - OPTIONS:
        raise TypeError(f"pytest.mark.assistant takes only the keywords {sorted(OPTIONS)}: {marker}")
    started = {key: options[key] for key in ("now", "settings") if key in options}
    running, connector_server = await start_assistant(database, **started)
    try:
        for user in options.get("roster", ()):
            running.connector.members[user["id"]] = roster_entry(user, principal_name=options.get("principal_names", False))
        for name in options.get("setup", ()):
            request.getfixturevalue(name)
        yield running
    finally:
        await running.client.close()
        await connector_server.close()


@pytest.fixture
def second_moderation_coordinator(database):
    """Jo Carverley made a second moderation coordinator: for `pytest.mark.assistant(setup=...)`,
    which asks for it once the assistant has imported the example calendar."""
    add_second_moderation_coordinator(database)
