"""A risk-of-bias tool as loaded from its data file: domains, signalling questions, judgement scale."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from extraction.rob.conditions import Condition
from extraction.rob.judgements import NOT_APPLICABLE, Judgement

PRELIMINARY = "preliminary"


@dataclass(frozen=True)
class Question:
    """A signalling question. ``asked_if`` is the guidance's “If … to …” condition; without it the
    question is always asked. ``optional`` marks questions the guidance asks only “if applicable”, as set in
    the preliminary considerations (RoB 2 effect of adhering, 2.3–2.5): they may be answered NA even when
    asked."""

    id: str
    text: str
    help: str
    answers: tuple[str, ...]
    asked_if: Condition | None = None
    optional: bool = False

    def accepts(self, answer: str, *, applies: bool) -> bool:
        if not applies:
            return answer == NOT_APPLICABLE
        return answer in self.answers or (self.optional and answer == NOT_APPLICABLE)


@dataclass(frozen=True)
class Variant:
    """One form of a domain, chosen by a preliminary answer (ROBINS-I V2 domain 1: variant A when the
    analysis estimates the effect of assignment, B when it estimates the per-protocol effect)."""

    key: str
    name: str
    when: frozenset[str]
    algorithm: str
    reference: str
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Domain:
    key: str
    name: str
    short: str
    algorithm: str
    reference: str
    questions: tuple[Question, ...]
    low_label: str = ""
    variants: tuple[Variant, ...] = ()
    variant_question: str = ""
    default_variant: str = ""

    def variant(self, preliminary: Mapping[str, str] | None) -> Variant | None:
        """The variant the preliminary answers select (the default one when they do not say)."""
        if not self.variants:
            return None
        chosen = (preliminary or {}).get(self.variant_question)
        for variant in self.variants:
            if chosen in variant.when:
                return variant
        return next(v for v in self.variants if v.key == self.default_variant)

    def questions_for(self, preliminary: Mapping[str, str] | None = None) -> tuple[Question, ...]:
        variant = self.variant(preliminary)
        return variant.questions if variant else self.questions

    def algorithm_for(self, preliminary: Mapping[str, str] | None = None) -> str:
        variant = self.variant(preliminary)
        return variant.algorithm if variant else self.algorithm


@dataclass(frozen=True)
class Tool:
    """A versioned risk-of-bias tool: what it is for, where it comes from, and its domains in order."""

    key: str
    name: str
    version: str
    source: Mapping[str, Any]
    design: str
    effect: str
    judgements: tuple[Judgement, ...]
    domains: tuple[Domain, ...]
    overall_algorithm: str
    overall_reference: str
    preliminary: tuple[Question, ...] = ()
    # ROBINS-I V2: preliminary answers that make the result critical without assessing the domains.
    stop_if: Condition | None = None
    stop_judgement: Judgement | None = None
    data: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def domain_keys(self) -> tuple[str, ...]:
        return tuple(domain.key for domain in self.domains)

    def domain(self, key: str) -> Domain:
        for domain in self.domains:
            if domain.key == key:
                return domain
        raise KeyError(key)
