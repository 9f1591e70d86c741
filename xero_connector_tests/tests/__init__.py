from . import (
    test_access,
    test_module_lifecycle,
    test_packaging,
    test_setup_commands,
    test_ui,
)
