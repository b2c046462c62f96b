"""cfn.py overrides crhelper internals: they were written against one crhelper version."""

from __future__ import annotations

import inspect
from importlib.metadata import version

from crhelper import CfnResource

from domain_provider.cfn import DomainResource

WRITTEN_AGAINST = "2.0.12"
OVERRIDDEN = ("_sam_local", "_log_setup", "_set_timeout", "_timeout", "_wrap_function", "_send")


def test_crhelper_is_the_version_the_overrides_were_written_against():
    assert version("crhelper") == WRITTEN_AGAINST, (
        "crhelper changed: re-read each override in domain_provider/cfn.py against the new "
        "CfnResource, then update WRITTEN_AGAINST"
    )


def test_every_crhelper_internal_the_resource_overrides_still_exists():
    source = inspect.getsource(CfnResource)
    for name in OVERRIDDEN:
        assert name in source, f"crhelper no longer has {name}: cfn.py overrides nothing"
        assert name in vars(DomainResource), f"cfn.py should override {name}"
    assert callable(getattr(CfnResource, "_crhelper_init", None)), "respond() relies on it"
