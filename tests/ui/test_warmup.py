"""ui.warmup: the shared libraries are imported once, by one thread at a time, before any page runs."""

import threading
import time

from ui import warmup


def test_concurrent_first_calls_import_one_at_a_time_and_only_once(monkeypatch):
    imported: list[str] = []
    running = 0
    most_at_once = 0
    guard = threading.Lock()

    def slow_import(name: str) -> None:  # stands in for importlib.import_module: records overlapping imports
        nonlocal running, most_at_once
        with guard:
            running += 1
            most_at_once = max(most_at_once, running)
        time.sleep(0.05)
        with guard:
            running -= 1
            imported.append(name)

    monkeypatch.setattr(warmup.importlib, "import_module", slow_import)
    monkeypatch.setattr(warmup, "SHARED_LIBRARIES", ("first_library", "second_library"))
    monkeypatch.setattr(warmup, "_done", False)
    returned: list[list[str]] = []

    def first_page_run() -> None:
        warmup.import_shared_libraries()
        returned.append(list(imported))  # what was imported by the time this call returned

    threads = [threading.Thread(target=first_page_run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert most_at_once == 1
    assert imported == ["first_library", "second_library"]
    assert returned == [["first_library", "second_library"]] * 4  # nobody went on before the imports were done
    warmup.import_shared_libraries()  # later calls import nothing
    assert imported == ["first_library", "second_library"]


def test_the_router_imports_them_before_running_a_page():
    with open("streamlit_app.py", encoding="utf-8") as file:
        source = file.read()
    assert source.index("warmup.import_shared_libraries()") < source.index("page.run()")
    assert "pandas" in warmup.SHARED_LIBRARIES
