"""Labelling an address's parts (CCKS 2021 element types), one pass per module.

:mod:`.tagger` drives the passes in order: the administrative chain (:mod:`.admin`), numbered
parts (:mod:`.numbered`), named runs cut at typed suffixes (:mod:`.chunks`) and labelled
(:mod:`.pieces`), bracketed asides (:mod:`.asides`), and the final settling (:mod:`.settle`),
all on one shared state (:mod:`.state`).
"""

from .tagger import Span, admin_prefix, tag, tag_with_prefix

__all__ = ["Span", "admin_prefix", "tag", "tag_with_prefix"]
