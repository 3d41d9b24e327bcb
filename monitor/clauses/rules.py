"""Hand-written recognition rules, one named rule per pattern.

Each rule belongs to one category and is run only when one of its trigger words occurs in the
clause (cheap gating keeps whole-document extraction fast). ``kind`` says what a match means:

- ``"u"``  evidence for the category that leans unfair to the user (CLAUDETTE degree 2/3);
- ``"n"``  evidence for the category, neutral;
- ``"f"``  evidence for the category that leans fair (an opt-out, a carve-out, a consumer forum);
- ``"neg"`` the clause states the unfavourable provision does not apply ("there is no
  arbitration", "credits never expire", "we will not train on your content");
- ``"x"``  evidence against the category: the wording looks like it but is about something else
  (a ban on users training models on outputs is not the provider training on user content, nor a
  promise not to train). The category's other rules are then ignored.

``weight`` is the strength of the evidence (0..1). A rule of at least ``classify.MIN_RULE_WEIGHT``
is enough on its own; weaker rules only support other evidence (the model, the heading, another
rule). Patterns are matched against the lower-cased clause text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Rule", "RULES", "RULES_BY_TRIGGER", "cjk_triggers"]


@dataclass(frozen=True)
class Rule:
    id: str
    category: str
    kind: str  # "u" | "n" | "f" | "neg" | "x"
    weight: float
    triggers: frozenset[str]
    pattern: re.Pattern[str]


# What users put in or get out of an AI service.
_C = (
    r"(?:content|inputs?|prompts?|outputs?|materials?|conversations?|chats?|data|submissions?|"
    r"uploads?|files?|images?|generations?|creations?|assets|messages?|interactions?|feedback)"
)
# User content: "your data", "customer content", "the content you share", and the AI words that
# are the user's by nature (inputs, prompts, outputs, conversations, chats).
_UC = (
    rf"(?:(?:your|user|users[’']?|customer|customer[’']s|customers[’']?|business|end user) "
    rf"(?:[\w’'-]+ ){{0,2}}?{_C}|(?:inputs?|prompts?|outputs?|conversations?|chats?|completions|"
    rf"interactions)|(?:the |any )?{_C} (?:that )?(?:you|users?|customers?) (?:\w+ )?(?:provide|"
    rf"share|submit|upload|input|enter|create|generate|send|make)\w*|{_C} (?:from|of|provided by) (?:\w+ )?"
    r"(?:users|customers|you)\b)"
)
_NEG = r"(?:not|never|n[’']t|no longer)"
# contracted negations: "won't", "don't", "isn't", ...
_NEG_AUX = r"(?:won|don|doesn|isn|aren|wouldn|shan|can|didn|wasn|weren)[’']t"
# Who may act: the provider ("we", "the company", a name) but not the user or the agreement.
_NOT_PROVIDER = (
    r"you|your|users?|customers?|subscribers?|members?|licensees?|developers?|either|each|both|"
    r"neither|it|they|this|these|that|which|who|agreement|terms|accounts?|subscriptions?|party|"
    r"parties|services?|licen[cs]e|access|and|or|the|a|an|any|such|all|if|when|payments?|fees?|"
    r"credits?|nothing|no|not|cancellation|termination|suspension|changes?|notice|period|plan|users?|"
    r"administrators?|admins?|owners?|it|there|such"
)
_PROV = rf"(?:we|the company|either party|each party|(?!(?:{_NOT_PROVIDER})\b)[a-z][\w&’'-]*)"
_ADVERB = r"(?:(?:also|further|additionally|immediately|then|reasonably|alone)\s+)?"
_MODAL = (
    r"(?:may|can|will|might|shall|reserves? the right to|retains? the right to|ha(?:s|ve) the right to|"
    r"(?:is|are) entitled to)"
)
# "<the provider> may ...": the lookahead first checks cheaply that a modal follows the word, so
# the long exclusion list of _PROV is only tried there
_PROV_MAY = rf"\b(?=(?:either party|each party|[a-z][\w&’'-]*)\s+{_ADVERB}{_MODAL}\b){_PROV}\s+{_ADVERB}{_MODAL}\b"
_USER = r"(?:you|users?|customers?|subscribers?|members?|licensees?|developers?|end users?)"
# Any character inside one sentence of Chinese text (the CJK rules' ``.``).
_ZS = r"[^。；;！？!?\n]"
# The provider acting in Chinese terms: "公司", "我们", "平台", or a right only the provider
# reserves ("百度公司有权", "保留...的权利"), whatever its name.
_ZH_RIGHT = rf"(?:(?<![你您户也均亦还都])有权|保留{_ZS}{{0,10}}权利)"
_ZH_PROV = rf"(?:公司|我们|平台|{_ZH_RIGHT})"
# A list item's marker ("(a) ", "3. ", "iv) ") and optional bold lead, at the start of a clause.
_ITEM = (
    r"^\W{0,3}(?:\(?(?:[a-z]{1,2}|[ivx]{1,5}|\d{1,3}(?:\.\d{1,3})*)\\?[.)]\s*|\d{1,3}(?:\.\d{1,3})+\s+)?"
    r"(?:\*\*[^*]{0,60}\*\*\s*)?"
)
# what content moderation acts on
_CR = (
    r"(?:content|posts?|materials?|submissions?|uploads?|videos?|comments?|listings?|reviews?|prompts?|"
    r"outputs?|creations|images|playlists?)"
)
_OUT = (
    r"(?:outputs?|generations?|creations|results|completions|suggestions|responses|generated "
    r"(?:content|images?|outputs?|works?|code|media)|ai[- ]generated \w+|(?:images?|videos?|works?|"
    r"assets|content) (?:that )?you (?:create|generate|make)|generative \w+)"
)

# (id, category, kind, weight, triggers, pattern)
# fmt: off
_SPEC: list[tuple[str, str, str, float, str, str]] = [
    # ------------------------------------------------------------ commercial
    (
        "conc_parallel",
        "concurrency_limit",
        "n",
        0.85,
        "concurrent concurrently concurrency simultaneous simultaneously parallel once time",
        r"\b(?:concurren(?:t|cy|tly)|simultaneous(?:ly)?|in parallel|at (?:the same time|once|a time))\b.{0,80}"
        r"\b(?:jobs?|generations?|requests?|tasks?|runs?|predictions?|sessions?|renders?|queues?|"
        r"images?|videos?|streams?|connections?|workers?|gpus?)\b|\b(?:jobs?|generations?|requests?|tasks?|"
        r"predictions?|sessions?|renders?|connections?|workers?|gpus?)\b.{0,60}\b(?:concurren(?:t|cy|tly)|"
        r"simultaneous(?:ly)?|in parallel|at (?:the same time|once|a time))\b",
    ),
    (
        "rate_limit_term",
        "rate_limit",
        "n",
        0.9,
        "rate throttle throttling throttled",
        r"\brate[- ]limit|\bthrottl\w+",
    ),
    (
        "rate_per_unit",
        "rate_limit",
        "n",
        0.75,
        "per second minute hour day month",
        r"\b(?:requests?|calls?|queries|tokens?|messages?|generations?|images?|prompts?)\s+(?:per|a|an|each)\s+"
        r"(?:second|minute|hour|day|month)\b",
    ),
    (
        "rate_quota",
        "rate_limit",
        "n",
        0.7,
        "quota quotas usage limits caps fair spend spending",
        r"\bquotas?\b|\b(?:usage|spend(?:ing)?|token|request) (?:limits?|caps?|tiers?|thresholds?)\b|\bfair[- ]use\b"
        r"|\b(?:limit|restrict|cap)\w* (?:on )?(?:the |your )?(?:number|volume|amount) of (?:requests|calls|"
        r"messages|generations|queries|api calls|prompts|tokens)",
    ),
    (
        "credit_expire",
        "credit_expiry",
        "u",
        0.9,
        "expire expires expired expiry expiration forfeit forfeited forfeiture void voided lapse lapses valid",
        r"\b(?:credits?|balances?|prepaid|tokens?|points|payments?|funds?|gift cards?)\b.{0,120}"
        r"\b(?:expire[sd]?|expir(?:y|ation)|forfeit\w*|voided|lapses?|valid for)\b|\b(?:expire[sd]?|expir(?:y|ation)|"
        r"forfeit\w*)\b.{0,80}\b(?:credits?|prepaid|balance|tokens?)\b",
    ),
    (
        "credit_rollover",
        "credit_expiry",
        "u",
        0.85,
        "roll rolled carry carried rollover carryover",
        r"\b(?:roll|carry)(?:ed)?[- ]?over\b|\brollover\b|\bcarryover\b",
    ),
    (
        "credit_never_expire",
        "credit_expiry",
        "neg",
        1.0,
        "expire expiration expiry",
        r"\b(?:never|do not|don't|does not|doesn't|will not|won't|shall not)\s+expire\b|"
        r"\bno expir(?:ation|y)(?: date)?\b|\bdo not have an? expir|\bwithout (?:an? )?expir",
    ),
    (
        "refund_none",
        "refunds",
        "u",
        0.9,
        "refund refunds refundable nonrefundable non final refunded",
        r"\bnon-?refundable\b|\bno refunds?\b|\bnot (?:be )?(?:refunded|refundable|eligible for (?:a )?refund)"
        r"|\brefunds? (?:will|shall) not\b|\b(?:all )?(?:sales|payments|purchases|fees) (?:are|is) final\b"
        r"|\bpurchase is final\b|\bwithout (?:a |any )?refund\b|\bno (?:right to|entitlement to) (?:a )?refund"
        r"|\b(?:receive|get) no refund|\bnot\b[^.;]{0,30}\brefundable\b|\b(?:will|shall|do|does|cannot|can[’']t) "
        r"(?:not )?(?:\w+ )?(?:issue|provide|process|give|offer|grant|make) (?:any )?refunds?\b(?<!can issue refunds)"
        r"|\bnot (?:\w+ )?(?:receive|get|be entitled to|entitle you to|be eligible for) (?:(?:receive|get|"
        r"obtain) )?(?:a |any )?refund",
    ),
    (
        "refund_any",
        "refunds",
        "n",
        0.45,
        "refund refunds refunded refundable",
        r"\brefund\w*",
    ),
    (
        "refund_terms",
        "refunds",
        "n",
        0.6,
        "refund refunds refunded refundable",
        r"\b(?:request|issue|provide|receive|give|offer|grant|make|process|obtain|get|claim)\w* (?:you )?(?:a |an |any "
        r"|the )?(?:full |partial |pro[- ]?rat\w+ |prorated )?refunds?\b|\brefunds? (?:of|for|within|if|when|will|"
        r"shall|may|are|is|upon|on|requests?|to you)\b|\b(?:will|shall|may|can|to) (?:\w+ )?refund\b|\brefund(?:ed|"
        r"able)\b|\brefund (?:\w+ )?(?:you|any|all|the|your|such|unused|prepaid)\b|\brequests? for (?:a )?refunds?\b"
        r"|\b(?:refuse|deny|decline)\w* (?:to )?(?:a |any |the )?refunds?\b|\brefund polic(?:y|ies)\b",
    ),
    (
        "refund_reimburse",
        "refunds",
        "n",
        0.6,
        "reimburse reimbursement reimbursed",
        r"\breimburs\w*\b(?![^.;]{0,150}\b(?:filing|arbitrat\w*|audit\w*|attorney\w*|expenses|costs|monies)\b)"
        r"[^.;]{0,150}\b(?:payments?|subscription|purchase|cancel\w*|withdraw\w*|transaction)\b",
    ),
    (
        "refund_fair",
        "refunds",
        "f",
        0.7,
        "refund withdraw withdrawal cooling cancel cancellation",
        r"\b(?:entitled to|eligible for|you may request|will (?:issue|provide|receive)|receive|request|get) (?:a |an )?"
        r"(?:full |partial |pro[- ]?rat(?:a|ed) )?refund|\breimburse you\b|\bright (?:of|to) withdraw(?!\w* (?:your |its |"
        r"their )?"
        r"consent)|\bright to cancel\b[^.;]{0,60}\b(?:\d+|fourteen)[- ]day|\b(?:14|fourteen)[- ]day (?:cancellation|"
        r"withdrawal|cooling)|\bcooling[- ]off period\b[^.;]{0,80}\brefund",
    ),
    (
        "refund_withdrawal_period",
        "refunds",
        "n",
        0.6,
        "cancellation withdrawal",
        r"\b(?:cancellation|withdrawal) period\b|\bright of withdrawal\b",
    ),
    (
        "auto_renew",
        "auto_renewal",
        "n",
        0.9,
        "automatically auto renew renews renewal renewed autorenew",
        r"\b(?:automatic(?:ally)?|auto)[- ]?renew\w*|\brenew\w* (?:automatically|for (?:an )?additional|"
        r"for successive|at the end of each)|\bunless (?:you )?cancel\w*.{0,60}\brenew|\bnon-?renewal\b|\bavoid "
        r"(?:the )?renewal\b|\bsubscription renewal\b|\bbefore (?:it|they|the subscription|your subscription) "
        r"renews?\b|\bwill (?:automatically )?(?:renew|continue)\b[^.;]{0,60}\bunless (?:you )?cancel",
    ),
    (
        "auto_renewal_term",
        "auto_renewal",
        "n",
        0.45,
        "renewal",
        r"\brenewal (?:terms?|date|period|fees?|charges?|price)\b",
    ),
    (
        "auto_charge_until_cancel",
        "auto_renewal",
        "n",
        0.9,
        "automatically charge charged charges bill billed",
        r"\b(?:charg|bill)\w*\b[^.;]{0,120}\b(?:until|unless) (?:you |the customer )?(?:cancel|terminat|"
        r"turn off|end)\w*|\bautomatically (?:be )?(?:charg|bill)\w*",
    ),
    (
        "auto_recurring",
        "auto_renewal",
        "n",
        0.7,
        "recurring recur",
        r"\brecurring (?:billing|charges?|payments?|subscriptions?|fees?|basis)\b|\bbilled (?:automatically|"
        r"on a recurring)|\b(?:specified|set) to be recurring\b|\bon a recurring basis\b",
    ),
    (
        "auto_user_cancel",
        "auto_renewal",
        "n",
        0.6,
        "cancel cancels cancelled canceled cancellation cancelling canceling",
        r"(?s)^(?!.*\b(?:refund|reimburs|withdraw)\w*).*?(?:\bcancel\w*\b[^.;]{0,30}\b(?:your |the |a |any )?"
        r"(?:paid |monthly |annual |yearly )?subscriptions?\b|\bsubscriptions?\b[^.;]{0,40}\b(?:can|may) be "
        r"cancel+ed\b)",
    ),
    (
        "price_change",
        "price_change",
        "n",
        0.85,
        "change changes changed modify increase increases adjust revise update raise determine prices pricing fees",
        r"\b(?:change|modify|increase|adjust|revise|update|raise|amend)\w*\b[^.;]{0,60}\b(?:prices?|pricing|fees?|"
        r"rates?(?! limit)|charges|subscription (?:fees?|prices?)|credit (?:costs?|prices?))\b|\b(?:prices?|"
        r"pricing|fees?)\b[^.;]{0,80}\b(?:(?:are|is|remain) subject to change|(?:may|can|will|might) (?:\w+ )?"
        r"(?:change|update|increase|adjust|modify|revise)|(?:may|can|will|might) (?:not )?be (?:changed|updated|"
        r"increased|adjusted|modified|revised))\b|\b(?:prices?|pricing|fees?) (?:\w+ )?(?:change|increase)s?\b"
        r"|\b(?:right|discretion) to (?:set|determine|establish) "
        r"(?:the |its |our )?(?:prices?|pricing|fees)\b|\bprice (?:increases?|changes?)\b|\bnew prices?\b",
    ),
    (
        "failed_job",
        "failed_job_billing",
        "u",
        0.85,
        "failed unsuccessful errored cancelled canceled interrupted incomplete timed failure fail fails",
        r"\b(?:charg\w+|bill\w*|fees?|pay|consum\w+|deduct\w*|count\w*|cost)\b.{0,100}\b(?:failed|unsuccessful|"
        r"errored|cancel+ed|interrupted|incomplete|timed[- ]out|fails?|failures?)\b.{0,40}\b(?:jobs?|"
        r"generations?|predictions?|runs?|requests?|renders?|tasks?|attempts?|outputs?)|\b(?:failed|"
        r"unsuccessful|errored|cancel+ed|interrupted|incomplete)\s+(?:jobs?|generations?|predictions?|runs?|"
        r"renders?|tasks?|attempts?)\b.{0,80}\b(?:charg\w+|bill\w*|fees?|consum\w+|deduct\w*|credits?|count)",
    ),
    (
        "failed_regardless",
        "failed_job_billing",
        "u",
        0.75,
        "regardless whether outcome unsatisfactory",
        r"\b(?:charg\w+|bill\w*|credits?|fees?)\b.{0,80}\b(?:regardless of (?:whether|the (?:outcome|result|"
        r"quality|success))|whether or not (?:the )?(?:output|generation|job|result)|even if (?:the |you )?"
        r"(?:output|generation|job|result|are not satisfied))",
    ),
    (
        "failed_not_charged",
        "failed_job_billing",
        "neg",
        1.0,
        "failed unsuccessful errors error fails fail",
        r"\b(?:not|never) (?:be )?(?:charged|billed)\b.{0,40}\b(?:failed|unsuccessful|errored|errors?)"
        r"|\b(?:failed|unsuccessful|errored)\b.{0,60}\b(?:are|is|will be) (?:not|never) (?:charged|billed)"
        r"|\b(?:failed|unsuccessful|errored)\b.{0,60}\b(?:are|is) free\b|\b(?:fail\w*|times? out|timed out|errors?)\b"
        r"[^.;]{0,160}\b(?:will|shall) not be (?:charged|billed)\b",
    ),
    (
        "fund_hold",
        "fund_hold",
        "u",
        0.85,
        "hold holds withhold withholding freeze frozen delay suspend reserve",
        r"\b(?:hold|holds|withhold\w*|freez\w*|frozen|delay\w*|suspend\w*|place an? (?:hold|reserve) on)\b.{0,40}"
        r"\b(?:funds?|payouts?|payments? (?:to|owed to|due to) you|balances?|earnings|proceeds|"
        r"withdrawals?|disbursements?)\b|\brolling reserve\b",
    ),
    # ------------------------------------------------------------ AI and content
    (
        "train_on_content",
        "ai_training_on_user_content",
        "u",
        0.9,
        "train training trained improve improving improvement develop fine tune tuning",
        rf"\b(?:use|uses|using|used|process\w*|analy[sz]\w*|leverag\w*|utili[sz]\w*)\b[^.;]{{0,80}}\b{_UC}\b[^.;]{{0,120}}"
        r"\b(?:train\w*|fine[- ]?tun\w*|improv\w+|develop\w*|enhanc\w*)\b[^.;]{0,50}\b(?:models?|ai|artificial "
        r"intelligence|machine learning|algorithms?|llms?)\b"
        rf"|\b(?:train\w*|fine[- ]?tun\w*)\b[^.;]{{0,60}}\b(?:models?|ai|algorithms?)\b[^.;]{{0,30}}\b(?:on|using|with|from)"
        rf"\b[^.;]{{0,40}}\b{_UC}\b|\b{_UC}\b[^.;]{{0,80}}\b(?:to|for) (?:the )?(?:purposes? of )?(?:ai |model |"
        r"machine learning )?(?:train\w*|fine[- ]?tun\w*)\b|\bif (?:model )?training is (?:enabled|on|turned on)\b"
        rf"|\b{_UC}\b[^.;]{{0,40}}\b(?:be |is |are )?used\b[^.;]{{0,20}}\bto (?:\w+ (?:and|or) )?(?:improve|train|"
        r"develop)\w*\b[^.;]{0,40}\b(?:models?|ai)\b"
        rf"|\b{_UC}\b[^.;]{{0,60}}\bfor (?:ai |model |machine learning )?(?:training|improvement)\b",
    ),
    (
        "train_optout",
        "ai_training_on_user_content",
        "n",
        0.75,
        "opt opted optout",
        r"\bopt(?:ed|ing)?[- ]?(?:out|in)\b[^.;]{0,40}\b(?:of |from |to )?(?:the |model |ai )?(?:training|"
        r"train)|\bdo not train on my\b",
    ),
    (
        "train_settings",
        "ai_training_on_user_content",
        "n",
        0.45,
        "opt out optout settings disable turn",
        r"\bopt(?:ing)?[- ]?out\b|\bturn(?:ing)? off\b|\bdisabl\w+\b",
    ),
    (
        "train_not",
        "ai_training_on_user_content",
        "neg",
        1.0,
        "train training trained",
        rf"(?:\b(?:will|do|does|shall|would|may|did|are|is|can)\s*{_NEG}|\b{_NEG_AUX})\b[^.;]{{0,100}}?\b(?:(?:to|for) (?:model )?"
        r"(?:train\w*|fine[- ]?tun\w*)|train (?:or \w+ )?(?:our |any |the |its |their |third[- ]party )?(?:\w+ )?"
        r"(?:models?|ai|algorithms|llms?)|train (?:\w+ )?on)\b"
        rf"|\b{_NEG}\s+(?:be\s+)?used\s+(?:to|for)\s+(?:train\w*|fine[- ]?tun\w*)|\bnever\s+(?:use|train)\w*\b"
        r"[^.;]{0,80}\btrain|\b(?:no|without) (?:model )?training on\b",
    ),
    (
        "train_user_ban",
        "ai_training_on_user_content",
        "x",
        1.0,
        # every alternative needs one of these words (the veto matters only where training is said)
        "train training trained develop developed developing build building create improve improving "
        "improvement fine tune tuning",
        rf"\b{_USER}\s+(?:[\w’'-]+\s+)?(?:may not|shall not|will not|must not|agree not to|cannot|can[’']t|won[’']t|"
        r"are not (?:permitted|allowed) to|are prohibited from)\b[^.;]{0,120}\b(?:train|develop|build|improve|"
        r"fine[- ]?tune)\w*|" + _ITEM + r"(?:except[^,]{0,40},\s*)?(?:use|using)\b[^.;]{0,100}\bto (?:develop|train|"
        r"build|create|improve)\w*|\b(?:use[sd]?|using) (?:the |any |such )?(?:outputs?|ai-generated content|"
        r"generated content|"
        r"responses|completions|results)\b[^.;]{0,40}\bto\W{0,3}(?:\([a-z]\)\s*)?(?:develop|train|build|create|"
        r"improve)\w*\b(?! (?:and improve )?(?:our|its|the company|their) )|\b(?:utili[sz]ation|use) of [^.;]{0,30}"
        r"\boutputs?\b[^.;]{0,20}\bto (?:train|develop|build)|\b(?:allows?|enables?|lets?) you to (?:train|fine[- ]?tune)"
        r"|\byou (?:can|may) (?:train|fine[- ]?tune)\b|\btraining data (?:that )?you (?:upload|provide|submit)"
        r"|\bmodel[’']s outputs?\b",
    ),
    (
        "output_own_user",
        "output_ownership",
        "f",
        0.85,
        "own owns retain retains assign assigns ownership",
        rf"\b(?:you|users?|customers?|subscribers?)\b[^.;]{{0,40}}?\b(?:will |shall |may )?(?:own|owns|retain|retains|"
        rf"hold|holds|keep|keeps)\b(?: all| any)?[^.;]{{0,60}}?\b{_OUT}"
        rf"|\((?:[a-z]|[ivx]+)\) owns? (?:all |any )?(?:right,? title,? and interest (?:in|to) )?(?:the |your )?{_OUT}"
        rf"|\b{_OUT}\b[^.;]{{0,60}}\b(?:are|is|will be|shall be|remain) (?:owned by you|yours|your property|the "
        r"property of (?:you|the user|the customer))|\b(?:assigns?|transfers?) to you\b.{0,60}\b(?:right|title|"
        rf"interest)|\bownership of (?:the |your |any )?{_OUT}",
    ),
    (
        "output_licence_to_user",
        "output_ownership",
        "n",
        0.7,
        "grants grant license licence",
        rf"\bgrants? you\b[^.;]{{0,140}}\b(?:licen[cs]e|right)\b[^.;]{{0,40}}\b(?:to|in) (?:the |any |all )?{_OUT}",
    ),
    (
        "output_commercial",
        "output_ownership",
        "n",
        0.6,
        "commercial commercially",
        r"\b(?:outputs?|assets|images|generations?|creations)\b.{0,80}\bcommercial(?:ly)?\b|"
        r"\bcommercial(?:ly)? (?:use|purposes)\b.{0,80}\b(?:outputs?|assets|images|generations?|creations)",
    ),
    (
        "output_own_platform",
        "output_ownership",
        "u",
        0.85,
        "own owns ownership",
        r"\b(?:we|us|company) (?:will |shall )?(?:own|retain)\w*\b.{0,40}\b(?:rights?|title|ownership)\b"
        rf".{{0,60}}\b{_OUT}|\byou (?:do not|don't|will not) own\b",
    ),
    (
        "license_user_grant",
        "license_to_platform",
        "n",
        0.85,
        "grant grants give gives provide provides assign assigns",  # "assign ... right, title and interest"
        r"\b(?:you|users?|customers?|licensors?|subscribers?|contributors?|creators?)\b(?: hereby| expressly| also| "
        r"thereby)*\s+(?:grant|grants|give|gives|provide|provides|assign|assigns)\b(?!\s+(?:you|other users|each "
        r"user|to other users|third parties|the public|other members)\b)[^.;]{0,140}?\b(?:licen[cs]e|right to use|"
        r"rights? to (?:use|host|store|reproduce|display)|permission|rights?,? title,? and interest)",
    ),
    (
        "license_permission",
        "license_to_platform",
        "n",
        0.7,
        "permission",
        r"\b(?:you|this licen[cs]e) (?:provide|give|grant)s? (?:\w+ )?(?:with )?(?:that |this |the )?permission\b|"
        r"\bneed your permission\b",
    ),
    (
        "license_feedback",
        "license_to_platform",
        "n",
        0.7,
        "feedback ideas suggestions",
        r"\b(?:may|shall be free to|are free to|is free to|will be free to|can)\b[^.;]{0,40}?\buse (?:any |such |"
        r"the |your |all )?(?:feedback|suggestions|ideas|content)\b|\b(?:feedback|suggestions|ideas)\b[^.;]{0,100}"
        r"\b(?:without (?:any )?(?:obligation|compensation|restriction|attribution|payment)|for any (?:reason|purpose)"
        r"|royalty[- ]free|perpetual|irrevocable)|\b(?:not entitled to|no) (?:any )?(?:acknowledg(?:e)?ment|"
        r"compensation|reimbursement|payment)\b[^.;]{0,60}\bfeedback",
    ),
    (
        "license_broad",
        "license_to_platform",
        "u",
        0.3,
        "perpetual irrevocable worldwide royalty sublicensable",
        r"\b(?:perpetual|irrevocable|sub-?licens\w+)\b.{0,100}\blicen[cs]e|\blicen[cs]e\b.{0,60}\b(?:perpetual|"
        r"irrevocable)",
    ),
    (
        "license_mention",
        "license_to_platform",
        "n",
        0.35,
        "license licence",
        r"\b(?:this|the|that|such) licen[cs]e\b",
    ),
    (
        "non_compete",
        "output_non_compete",
        "n",
        0.85,
        "compete competes competing competitive competitor competitors",
        r"\b(?:develop|build|create|train|improve)\w*\b.{0,80}\b(?:compet\w+|similar)\b.{0,60}\b(?:models?|"
        r"products?|services?|offerings?|ai)|\b(?:compet\w+)\b.{0,40}\b(?:models?|products?|services?)\b.{0,80}"
        r"\b(?:outputs?|results)\b",
    ),
    (
        "non_compete_train",
        "output_non_compete",
        "n",
        0.8,
        "develop train build create improve",
        rf"(?:\b{_USER}\b[^.;]{{0,30}}\b(?:not|never|prohibited|restrict\w*|don[’']t)\b[^.;]{{0,60}}|"
        rf"{_ITEM}(?:except[^,]{{0,40}},\s*)?)"
        r"(?:use|using)\b[^.;]{0,30}\b(?:outputs?|ai-generated content|generated content|responses|completions|"
        r"results|plugin requests|the services?)\b[^.;]{0,60}\bto (?:develop|train|build|create|improve)\w*\b"
        r"[^.;]{0,60}\b(?:models?|ai\b|artificial intelligence|machine learning|llms?)",
    ),
    (
        "public_default",
        "public_by_default",
        "u",
        0.85,
        "public publicly visible viewable default",
        r"\b(?:public(?:ly)?|visible|viewable|accessible|gallery|discover|explore)\b.{0,80}\bby default\b"
        r"|\bby default\b.{0,80}\b(?:public(?:ly)?|visible|viewable|shared)\b|\b(?:stealth|private) mode\b"
        rf"|\b{_C}\b.{{0,60}}\b(?:are|will be|may be|is)\s+(?:publicly\s+)?(?:visible|viewable|public|displayed)"
        r"\s+(?:to\s+)?(?:others|anyone|other users|the public|publicly|in (?:the|our) (?:gallery|feed))",
    ),
    (
        "biometric",
        "voice_likeness_biometrics",
        "n",
        0.85,
        "biometric biometrics voiceprint voiceprints faceprint facial likeness voice clone cloning face",
        r"\bbiometric\w*|\b(?:voice|face)[- ]?prints?\b|\bfacial (?:geometry|recognition|features|data|scan)"
        r"|\bvoice (?:data|recordings?|samples?|clon\w+|models?)|\blikeness\b|\bclon\w+ (?:your |a |someone'?s? )?"
        r"voice|\bdigital (?:replica|twin|avatar)",
    ),
    (
        "aup_not_use",
        "acceptable_use",
        "n",
        0.75,
        "not cannot allowed permitted prohibited",
        rf"\b{_USER}\b (?:(?:may|shall|will|must|agree|promise|undertake)(?: to)? not|are not (?:permitted|allowed) "
        r"to|are prohibited from|cannot|can[’']t)\b"
        r"[^.;]{0,30}?\b(?:use|access|attempt|engage|upload|post|share|submit|create|generate|copy|modify|reverse|"
        r"decompile|disassemble|scrape|crawl|resell|sell|sublicen[cs]e|distribute|rent|lease|interfere|disrupt|"
        r"circumvent|bypass|violate|infringe|impersonate|harass|misrepresent|transmit|build|develop|train|exploit|"
        r"frame|mirror|probe|scan|overload|abuse|collect|harvest|misuse|introduce|promote|facilitate|input|"
        r"download|extract)\w*",
    ),
    (
        "aup_minor_barred",
        "acceptable_use",
        "x",
        1.0,
        "younger under majority old",
        r"\b(?:younger than|under the age|age of majority|years old)\b[^.;]{0,100}\b(?:must|may|shall) not "
        r"(?:access|use)",
    ),
    (
        "aup_policy",
        "acceptable_use",
        "n",
        0.6,
        "prohibited comply complying compliance incorporate incorporated incorporates incorporating violate "
        "violates violating violation violations breach breaches abide adhere",
        r"\bprohibited (?:uses?|conduct|activit\w+|content|practices)|\b(?:comply|complying|compliance) with\b"
        r"[^.;]{0,40}\b(?:acceptable use|usage polic(?:y|ies)|use polic(?:y|ies)|community (?:guidelines|standards)|"
        r"content (?:policy|guidelines|standards))|\b(?:incorporat\w+|violat\w+|breach\w*|abide by|adhere to)\b"
        r"[^.;]{0,60}\b(?:acceptable use|usage polic(?:y|ies)|use polic(?:y|ies)|community (?:guidelines|standards))",
    ),
    (
        "aup_dont_use",
        "acceptable_use",
        "n",
        0.6,
        "use used",
        r"\b(?:do not|don[’']t|never) use (?:our |the |any )?(?:services?|platform|products?|tools?|\w+) (?:to|for|"
        r"in)\b|\b(?:must|may|shall) not be used (?:to|for|in)\b",
    ),
    (
        "aup_mention",
        "acceptable_use",
        "n",
        0.45,
        "acceptable usage policy policies guidelines standards",
        r"\bacceptable use\b|\busage polic(?:y|ies)\b|\buse polic(?:y|ies)\b|\bcommunity (?:guidelines|standards)\b"
        r"|\bcontent (?:policy|guidelines|standards)\b",
    ),
    (
        "aup_comply",
        "acceptable_use",
        "n",
        0.35,
        "comply complying compliance undertake violate violation violations breach",
        r"\b(?<!subject to your )(?<!subject to )(?:comply|complying) with\b|\bundertake\b",
    ),
    (
        "aup_conduct_item",
        "acceptable_use",
        "n",
        0.45,
        "use violate interfere disrupt circumvent bypass reverse decompile copy scrape misuse collect solicit "
        "sell resell rent lease sublicense distribute send upload post transmit impersonate harass engage "
        "attempt access generate create build develop promote facilitate exploit infringe misrepresent "
        "share publish remove modify frame mirror probe overload abuse harvest train encourage incite "
        "threaten defame spam grant include submit automate buy register provide make conduct deceive "
        "mislead don not never produce commit run spread depict manipulate plagiarize plagiarise misappropriate "
        "utilize utilise",
        _ITEM + r"(?:not |don[’']t |do not |never )?(?:use|violate|interfere|disrupt|circumvent|bypass|reverse|"
        r"decompile|copy|scrape|misuse|collect|solicit|sell|resell|re-sell|rent|lease|sublicen[cs]e|distribute|"
        r"send|upload|post|transmit|impersonate|harass|engage|attempt|access|generate|create|build|develop|promote|"
        r"facilitate|exploit|infringe|misrepresent|share|publish|remove|modify|frame|mirror|probe|overload|abuse|"
        r"harvest|train|encourage|incite|threaten|defame|spam|grant|include|submit|automate|buy|register|"
        r"provide|make|conduct|deceive|mislead|produce|commit|run|spread|depict|manipulate|plagiari[sz]e|"
        r"misappropriate|utili[sz]e)\b",
    ),
    (
        "aup_harm",
        "acceptable_use",
        "n",
        0.45,
        "illegal unlawful harmful harass harassment malware spam explicit csam abuse exploit defamatory obscene "
        "fraudulent minors spiders robots crawlers scrape scraping mining illicit",
        r"\b(?:illegal|unlawful|harmful|harass\w*|malware|spam\w*|sexually explicit|csam|child sexual|"
        r"exploit\w*|fraudulent|defamatory|libel\w*|obscene|illicit|involving minors|spiders|robots|crawlers|scrap\w+|"
        r"data mining)\b",
    ),
    # ------------------------------------------------------------ legal
    (
        "arb_any",
        "arbitration",
        "u",
        0.9,
        "arbitration arbitrate arbitrator arbitrators arbitral arbitrable",
        r"\barbitra(?:tion|te|ted|tor|tors|ble|l)\b",
    ),
    (
        "arb_binding",
        "arbitration",
        "u",
        0.9,
        "binding arbitration",
        r"\b(?:binding|mandatory|final) (?:and binding )?(?:individual )?arbitration",
    ),
    (
        "arb_body",
        "arbitration",
        "n",
        0.7,
        "aaa jams american icdr national",
        r"\baaa\b|\bjams\b|\bamerican arbitration association\b|\bicdr\b|\bnational arbitration (?:and|&) mediation\b",
    ),
    (
        "arb_optout",
        "arbitration",
        "f",
        0.5,
        "opt out optout",
        r"\bopt[- ]?out\b.{0,60}\barbitrat|\barbitrat\w*.{0,80}\bopt[- ]?out",
    ),
    ("arb_small_claims", "arbitration", "f", 0.4, "small claims", r"\bsmall[- ]claims?\b"),
    (
        # The document must say there is no arbitration: explanations of how arbitration works
        # ("there is no judge or jury", limited court review, no class arbitration) and carve-outs
        # (small claims, injunctive relief, an opt-out) are not negations.
        "arb_none",
        "arbitration",
        "neg",
        1.0,
        "arbitration arbitrate",
        r"(?s)^(?!.*\b(?:small[- ]claims?|injunctive|carve[- ]?outs?|except|exceptions?|excluded from|opt[- ]?out|"
        r"class|collective|representative|mass)\b).*?(?:\b(?:there is|there will be|with) no (?:binding |mandatory "
        r"|forced )?arbitration\b|^\W*no (?:binding |mandatory |forced )?arbitration\b|\b(?:disputes?|claims?|"
        r"these terms|this agreement|you|we)\b[^.;]{0,30}\b(?:will|shall|are|is|do|does)\s+not\s+(?:be\s+)?"
        r"(?:subject to|required to (?:arbitrate|submit to arbitration)|resolved (?:by|through|in)|submitted to|"
        r"referred to)\s+(?:binding |mandatory )?arbitrat\w*|\b(?:does|do|will|shall) not (?:require|contain|"
        r"include|have)\b[^.;]{0,40}\barbitration (?:agreement|clause|provision|requirement)|\bwithout (?:binding |"
        r"mandatory )?arbitration\b(?! award))",
    ),
    (
        "adr",
        "arbitration",
        "n",
        0.35,
        "mediation alternative adr",
        r"\balternative dispute resolution\b|\bmediat\w+",
    ),
    (
        "class_waiver",
        "class_action_waiver",
        "u",
        0.9,
        "class collective representative consolidated individual attorney",
        r"\bclass(?:[- ]wide)? (?:action|arbitration|member|proceeding|basis)|\bclass,? (?:or )?(?:consolidated|"
        r"collective|representative)|\brepresentative (?:action|proceeding|capacity|basis)|\bcollective "
        r"(?:action|proceeding|redress)|\b(?:no|not|waive\w*|any)\b[^.;]{0,40}\bconsolidat\w+ (?:action|proceeding|"
        r"claims|arbitration)|\b(?:only |solely )?on an individual basis\b|\bprivate attorney general",
    ),
    ("jury_waiver", "jury_trial_waiver", "u", 0.95, "jury", r"\bjury\b"),
    (
        "change_terms",
        "unilateral_change",
        "u",
        0.85,
        "change modify amend update revise alter replace changes modifications amendments",
        r"\b(?!(?:you|your|users?|customers?)\b)(?:we|us|company|[a-z]+)\b (?:may|can|might|will|reserves? the right "
        r"to|ha(?:s|ve) the right to)\b[^.;]{0,60}\b(?:change|modify|amend|update|revise|alter|replace|supplement)"
        r"\w*\b[^.;]{0,50}\b(?:terms|agreement|polic(?:y|ies)|conditions|these|provisions|guidelines|eula|rules)\b"
        r"|\b(?:terms|agreement|polic(?:y|ies)|conditions)\b[^.;]{0,50}\b(?:may|can|will|might) be (?:changed|"
        r"modified|amended|"
        r"updated|revised|supplemented)|\b(?:changes?|modifications?|updates?|amendments?|revisions?) (?:to|of) "
        r"(?:these|the|this|our) (?:\w+ )?(?:terms|agreement|polic(?:y|ies)|conditions)",
    ),
    (
        "change_revised",
        "unilateral_change",
        "u",
        0.7,
        "revised modified updated amended new changes change material significant",
        r"\b(?:revised|modified|updated|amended|changed) (?:version of (?:the|these|this) )?(?:terms|agreement|"
        r"privacy (?:policy|notice)|polic(?:y|ies)|conditions)\b|\bnew (?:version|copy) of (?:the|these|this|our) "
        r"(?:terms|agreement|polic)|\bwhen changes are made\b|\b(?:make|makes|made|making) (?:any |a )?(?:material|significant) "
        r"changes?\b(?! (?:to|in|of) (?:the |our )?(?:services?|features?|products?))|\b(?:material|significant) "
        r"changes? (?:to|in|of) (?:these|the|this|our) (?:\w+ )?(?:terms|agreement|polic)",
    ),
    (
        "change_service",
        "unilateral_change",
        "n",
        0.15,
        "change modify discontinue alter",
        r"\b(?:change|modify|discontinue|alter)\w*\b.{0,40}\b(?:the |our |any )?(?:services?|features?|"
        r"functionality|platform|products?)\b",
    ),
    (
        "remove_content",
        "content_removal",
        "u",
        0.8,
        "remove removal removed delete deleted block blocked disable disabled down takedown refuse restrict "
        "edit screen moderate moderation reject rejected",
        _PROV_MAY + r"[^.;]{0,60}?\b(?:remove|delete|block|disable|take down|refuse to (?:post|display|"
        r"publish|accept|distribute|generate)|restrict (?:access to|the visibility of)|edit|screen|moderate|reject)\b"
        rf"(?! (?:your |the |any )?(?:accounts?|personal|information))[^.;]{{0,60}}\b{_CR}\b|\b{_CR}\b[^.;]{{0,60}}"
        r"\b(?:may|can|will|might) be (?:removed|deleted|blocked|disabled|taken down|rejected|moderated|"
        r"screened)\b|\b(?:removal|takedown|take-down|moderation) of (?:any |your |the )?" + _CR + r"\b",
    ),
    (
        "terminate_provider",
        "unilateral_termination",
        "u",
        0.85,
        "terminate termination cancel close delete deactivate disable ban discontinue revoke end",
        _PROV_MAY + r"(?!\s+(?:survive|not))[^.;]{0,50}?\b(?:terminat\w*|cancel\w*|clos\w+|delet\w+|deactivat\w+|disabl\w+|"
        r"ban|revok\w+|end(?= (?:your|the|this|these|all|any)\b))\b[^.;]{0,25}?\b(?:your |the |any |this |these |all "
        r"|customer[’']s )?(?:accounts?|access|"
        r"agreement|subscriptions?|membership|licen[cs]es?|terms|services?|use of|relationship)\b",
    ),
    (
        "terminate_passive",
        "unilateral_termination",
        "u",
        0.8,
        "terminated cancelled canceled closed deleted deactivated disabled revoked banned banning termination "
        "cancellation deactivation closure",
        r"\b(?:your |the |any )?(?:accounts?|access|subscriptions?|agreement|membership|services?)\b[^.;]{0,40}\b"
        r"(?:may|can|will|might|shall) be (?:immediately |permanently )?(?:terminat|cancel+|clos|delet|deactivat|"
        r"disabl|revok|banned)\w*|\bresult in\b[^.;]{0,30}\b(?:the )?(?:termination|cancellation|deactivation|"
        r"closure|deletion|ban\w*)\b|\bface\b[^.;]{0,30}\b(?:termination|ban\w*)",
    ),
    (
        # a repeat-infringer policy: the provider ends the accounts of users who infringe again
        "terminate_repeat_infringers",
        "unilateral_termination",
        "u",
        0.85,
        "infringers infringer",
        r"\b(?:terminat\w*|disabl\w*|clos\w*|delet\w*)\b[^.;]{0,40}\brepeat(?:ed)? infringers?\b|\brepeat(?:ed)? "
        r"infringers?\b[^.;]{0,60}\b(?:terminat\w*|disabled|closed|deleted)\b",
    ),
    (
        "terminate_event",
        "unilateral_termination",
        "u",
        0.8,
        "terminates terminate suspends",
        rf"\b(?:in the event (?:that )?|if |where |when ){_PROV} (?:suspends or |suspend or )?terminat\w*\b",
    ),
    (
        "terminate_any_time",
        "unilateral_termination",
        "u",
        0.4,
        "discretion reason notice time",
        r"(?s)^(?!\W*(?:\*\*[^*]*\*\*\W*)?(?:you|users?|customers?)\b).*?"
        r"\b(?:terminat\w+|suspend\w*)\b.{0,120}\b(?:for any (?:or no )?reason|at any time|without (?:prior )?"
        r"notice|(?:sole|absolute) discretion|without (?:cause|liability))",
    ),
    (
        "suspend_account",
        "account_suspension",
        "n",
        0.8,
        "suspend suspends suspension suspended lock locked throttle freeze",
        r"\b(?:suspend\w*|suspension|lock\w*|throttl\w*|freez\w*|temporar\w+ (?:disable|restrict|block)\w*)\b"
        r"[^.;]{0,60}\b(?:your |the |any |customer[’']s )?(?:accounts?|access|use of|services?|workspaces?)\b"
        r"|\bresult in\b[^.;]{0,30}\b(?:account |temporary )?suspension|\bface\b[^.;]{0,20}\bsuspension",
    ),
    (
        "venue_courts",
        "jurisdiction",
        "u",
        0.85,
        "courts court jurisdiction venue forum tribunal tribunals",
        r"\b(?:courts?|tribunals?) (?:of|in|located in|sitting in|situated in|for)\b(?! (?:competent|law\b|equity|"
        r"any\b|a\b|an\b|appropriate|such|which|that|this|these|the (?:appropriate|relevant|competent|applicable)|"
        r"your (?:choice|discretion)))|\b(?:exclusive|non-exclusive|personal|sole) jurisdiction|\bvenue\b|\bsubmit\w* "
        r"to the (?:\w+ )?jurisdiction|\bforum (?:non conveniens|selection)|\binconvenient forum\b|\bexclusive forum\b",
    ),
    (
        "venue_consumer",
        "jurisdiction",
        "f",
        0.5,
        "reside residence live domicile habitual",
        r"\b(?:courts? (?:of|in|where) your|where you (?:live|reside)|your (?:country|place|state) of "
        r"(?:residence|domicile)|habitual(?:ly)? resid)",
    ),
    (
        "law_governed",
        "choice_of_law",
        "u",
        0.85,
        "governed governing construed interpreted law laws act",
        r"\bgoverned by\b[^.;]{0,40}\blaws?\b|\b(?:construed|interpreted|enforced)\b[^.;]{0,40}\b(?:in accordance "
        r"with|under|by)\b[^.;]{0,20}\blaws?\b|\bgoverning laws?\b|\blaws? of\b[^.;]{0,60}\b(?:will|shall) "
        r"(?:apply|govern)|\b(?:english|irish|german|french|swiss|dutch|swedish|luxembourg|singapore|californian?|"
        r"delaware|new york|israeli) law\b|\b(?:terms|agreement|contract|conditions)\b[^.;]{0,40}\bsubject to "
        r"the (?:substantive )?laws? of (?!your\b)|\bconflicts? of laws?\b|\bchoice of law\b|\bfederal arbitration act\b"
        r"[^.;]{0,60}\bgovern",
    ),
    (
        "law_consumer",
        "choice_of_law",
        "f",
        0.5,
        "mandatory residence reside",
        r"\bmandatory (?:consumer )?(?:protection )?(?:laws?|provisions|rules)\b|\blaws? of your (?:country|"
        r"state|place) of residence",
    ),
    (
        "ltd_not_liable",
        "limitation_of_liability",
        "u",
        0.85,
        "liable liability responsible responsibility damages",
        r"\b(?:not|never|no) (?:be )?(?:held )?(?:liable|responsible)\b|\bliability\b[^.;]{0,80}\b(?:limit\w*|exceed\w*|"
        r"cap\b|capped|exclud\w*|disclaim\w*)|\b(?:in no event|under no circumstances)"
        r"\b.{0,160}\b(?:liable|liability|responsible|damages)|\b(?:indirect|incidental|consequential|special|"
        r"punitive|exemplary) damages|\b(?:aggregate|total|maximum|cumulative|entire) liability|\bdisclaim\w* "
        r"(?:all |any )?(?:liability|responsibility)|\bneither\b[^.;]{0,150}\b(?:will|shall) be (?:held )?(?:liable|"
        r"responsible)|\bdisclaim\w* "
        r"(?:all |any )?(?:liability|responsibility)|\b(?:assume|accept)s? no (?:liability|responsibility)|\b(?:not|"
        r"no) (?:accept|assume) (?:any )?(?:liability|responsibility)|\bsole (?:and exclusive )?remedy\b|\b(?:have|"
        r"has|bear|bears|under) no liability\b|\bnot (?:to )?hold\b[^.;]{0,30}\b(?:liable|responsible)",
    ),
    (
        "ltd_mention",
        "limitation_of_liability",
        "n",
        0.35,
        "limitation limitations liability",
        r"\blimitations? (?:of|on) liability",
    ),
    (
        "ltd_carveout",
        "limitation_of_liability",
        "f",
        0.4,
        "negligence misconduct fraud death injury statutory nothing",
        r"\bgross negligence\b|\bwil+ful (?:misconduct|default)|\bfraud\w*\b|\bdeath or personal injury\b"
        r"|\bnothing in (?:these|this)\b.{0,60}\b(?:exclude|limit)",
    ),
    (
        "indemnify",
        "indemnification",
        "u",
        0.9,
        "indemnify indemnification indemnity harmless",
        r"\bindemnif\w+|\bindemnit\w+|\bhold\b.{0,40}\bharmless",
    ),
    (
        "warranty_asis",
        "warranty_disclaimer",
        "u",
        0.85,
        "as",
        r"\bas[- ](?:is|available)\b",
    ),
    (
        "warranty_terms",
        "warranty_disclaimer",
        "u",
        0.85,
        "warranty warranties warrant warrants warranted merchantability fitness guarantee guarantees "
        "representation representations promises infringement noninfringement non",
        r"\bwithout (?:any )?warrant\w*|\b(?:disclaim|exclude)\w* [^.;]{0,60}warrant|\bno warrant\w*|"
        r"\bmerchantability\b|\bfitness for a particular purpose\b|\bnon-?infringement\b"
        r"|\bmake[s]? no (?:representations?|warrant\w*|guarantees?|promises?)",
    ),
    (
        "warranty_risk",
        "warranty_disclaimer",
        "u",
        0.8,
        "risk responsibility rely depend accurate inaccurate errors error uninterrupted downtime guarantee "
        "misleading incorrect incomplete",
        r"\bat your (?:own|sole) risk\b|\bassume[sd]? (?:all|full|the entire|sole) (?:risk|responsibility)\b|\b(?:"
        r"outputs?|suggestions|responses?|results?|services?)\b[^.;]{0,60}\b(?:may|might|can|could) (?:\w+ )?(?:be|"
        r"contain|include|produce|generate|provide|reflect) (?:\w+ )?(?:inaccurate|incorrect|errors?|mistakes|"
        r"misleading|incomplete|offensive|biased|untrue|false)|\b(?:not|never) (?:to )?(?:rely|depend) (?:solely |"
        r"exclusively |only )?(?:up)?on\b|\bas a (?:sole|definitive|single) source of (?:truth|information)\b|\b(?:do "
        r"not|does not|cannot|can[’']t|no) guarantee\w*|\b(?:uninterrupted|error[- ]free)\b|\bperiods? of downtime\b"
        r"|\b(?:does|do|may) not (?:\w+ )?accurately reflect\b",
    ),
    (
        "by_using",
        "contract_by_using",
        "u",
        0.7,
        "using accessing use access visiting browsing downloading installing continuing continue agree "
        "creating registering clicking signing accept",
        r"\bby (?:accessing|using|visiting|browsing|downloading|installing|registering|signing up|clicking|"
        r"continuing to (?:use|access)|creating an account|accessing or using|using or accessing)\b.{0,160}"
        # who agrees: the user ("you agree", "you hereby accept"), not "consent" in another sentence
        r"\b(?:you|users?|customers?|licensees?)\b(?: \w+){0,2}? (?:agree|accept|consent|are bound|acknowledge|"
        r"signify|indicate)|\bby clicking\b.{0,60}\b(?:agree|accept)|\b(?:continued|continuing|continue to) (?:use|access)\w*"
        r".{0,140}\b(?:constitutes?|signif\w+|means?|deemed|acceptance|agree|bound|accept)|\buse of (?:the|our)"
        r"\b.{0,60}\b(?:constitutes|signifies|indicates) (?:your )?(?:acceptance|agreement)|\bif you do not agree"
        r"\b.{0,120}\b(?:do not|not|stop|cease) (?:to )?(?:use|access|using)|\bdeemed to (?:have )?(?:accept|agree)",
    ),
    (
        "pinc_privacy",
        "privacy_policy_by_reference",
        "u",
        0.7,
        "privacy",
        r"\b(?:our|the|its|[a-z]+[’']s) privacy (?:policy|notice|statement)\b.{0,120}\b(?:incorporated|part of|"
        r"forms? part|by reference|agree|consent|accept|bound)\b|\b(?:incorporated|part of|forms? part|by reference|"
        r"agree|accept|bound|governed)\b.{0,100}\b(?:our|the|its) privacy (?:policy|notice|statement)\b",
    ),
    (
        "pinc_mention",
        "privacy_policy_by_reference",
        "n",
        0.4,
        "privacy",
        r"\b(?:our|the|its) privacy (?:policy|notice|statement)\b",
    ),
    (
        "retention",
        "data_retention",
        "n",
        0.7,
        "retain retention retained store stored keep kept delete deletion deleted erase erasure purge",
        r"\b(?:retain\w*|retention|stor(?:e|ed|age)|keep|kept|delet\w+|eras\w+|purg\w+)\b.{0,80}\b(?:data|"
        r"information|content|records|inputs|outputs|conversations|logs|accounts?|prompts|chats|history)\b"
        r".{0,80}\b(?:hours?|days?|weeks?|months?|years?|period|as long as|until|no longer)"
        r"|\bretention (?:period|polic\w+|schedule)"
        # the data first: "Prompts and Outputs are stored for the term of this DPA or until ...",
        # "... are not retained for any longer period", "are not stored if Incognito is on"
        r"|\b(?:data|information|content|records|inputs|outputs|conversations|logs|prompts|chats)\b"
        r"[^.;]{0,80}\b(?:is|are|will be|shall be|may be)(?: only| not| never)? (?:retained|stored|kept|"
        r"deleted|erased|purged)\b[^.;]{0,60}\b(?:hours?|days?|weeks?|months?|years?|period|term|duration|"
        r"until|as long as|longer|unless|if (?:you|the|a|an)\b)",
    ),
    (
        "retention_deletion",
        "data_retention",
        "n",
        0.45,
        "delete deletion deleted erase erasure",
        r"\b(?:delet\w+|eras\w+)\b[^.;]{0,60}\b(?:your |the |such |personal )?(?:accounts?|data|information|"
        r"content|conversations|history)\b",
    ),
    (
        # Credits, balances, points, coupons or a subscription keeping or losing their expiry or
        # validity ("Returned Credits keep their original expiry date") is about what they are
        # worth, not about the user's data being kept; unless the clause also says data,
        # information or content is kept or deleted (in one sentence, either order).
        "retention_not_credits",
        "data_retention",
        "x",
        1.0,
        "keep keeps kept retain retains retained lose loses lost preserve preserves preserved "
        "maintain maintains remain remains hold holds",
        r"(?s)^(?!.*\b(?:data|information|content|records|logs|conversations|prompts|chats|history|"
        r"inputs|outputs|files)\b[^.;]{0,60}\b(?:retain\w*|stor(?:e|ed|age)|keep|kept|delet\w+|eras\w+|"
        r"purg\w+)\b|.*\b(?:retain\w*|stor(?:e|ed)|keep|kept|delet\w+|eras\w+|purg\w+)\b[^.;]{0,40}\b"
        r"(?:data|information|content|records|logs|conversations|prompts|chats|history|inputs|files)\b)"
        r".*?\b(?:credits?|balances?|points|coupons?|vouchers?|gift cards?|subscriptions?|tokens|prepaid)\b"
        r"[^.;]{0,60}\b(?:keep|keeps|kept|retain\w*|los[et]s?|preserve[sd]?|maintain\w*|remains?|holds?)\b"
        r"[^.;]{0,40}\b(?:expir\w*|validity|valid)\b",
    ),
    (
        "age_min",
        "age_eligibility",
        "n",
        0.85,
        "age aged older years old least",
        r"(?s)^(?!.*\b(?:send (?:us|to us)|(?:tools?|apps?|products?) that target|(?:sell|share|sharing)\w* (?:of )?"
        r"(?:the )?personal information of|cross-context)\b).*?(?:\b(?:at least|over|older than|"
        r"minimum age(?: of| is)?|aged?|ages|age of|must be)\s+(?:\w+\s+)?(?:1[3-9]|2[01]|thirteen|sixteen|"
        r"eighteen|twenty[- ]one)\b[^.;]{0,30}?\b(?:years?|old|or older|or over|to (?:use|access|register|create))"
        r"|\b(?:1[3-9]|2[01]|thirteen|sixteen|eighteen)\s*(?:\(\d+\)\s*)?(?:years? (?:old|of age)|or older|or over|"
        r"\+)|\bage of (?:majority|consent|digital consent|legal majority)|\bmust be an adult\b)",
    ),
    (
        "age_children",
        "age_eligibility",
        "n",
        0.85,
        "children child minors minor under kids",
        r"(?s)^(?!.*\b(?:send (?:us|to us)|(?:tools?|apps?|products?) that target|(?:sell|share|sharing)\w* (?:of )?"
        r"(?:the )?personal information of|cross-context|involving)\b).*?(?:\b(?:children|child|"
        r"minors?|kids|anyone|individuals|persons|people|users)\b[^.;]{0,30}\bunder\b[^.;]{0,40}\b(?:1[3-9]|"
        r"thirteen|sixteen|eighteen|age)\b|\bunder (?:the age of )?(?:1[3-9]|thirteen|sixteen|eighteen)\b[^.;]{0,60}"
        r"\b(?:not (?:permitted|allowed|intended|eligible)|may not|must not|prohibited|parental|guardian|consent)"
        r"|\b(?:not (?:intended|directed|designed|meant|available)|do not (?:knowingly )?(?:collect|allow|permit))"
        r"\b[^.;]{0,60}\b(?:children|minors|kids|under (?:the age of )?(?:1[3-9]|thirteen|sixteen|eighteen)))",
    ),
    (
        "age_eligible",
        "age_eligibility",
        "n",
        0.5,
        "eligible eligibility",
        r"\beligib(?:le|ility)\b.{0,40}\b(?:to use|requirements?|for (?:the|our) services?)",
    ),
    (
        "share_third",
        "data_sharing_third_parties",
        "n",
        0.8,
        "share shares shared sharing disclose disclosed sell sold transfer provide",
        r"\b(?:share|shares|shared|sharing|disclos\w+|sell|sold|sells|transfer\w*|provide)\b.{0,60}\b(?:personal "
        r")?(?:data|information)\b.{0,80}\b(?:third[- ]part\w+|partners|affiliates|advertisers|service "
        r"providers|vendors|law enforcement)|\bprovide (?:any )?third part(?:y|ies)\b[^.;]{0,40}\baccess\b"
        r"|\bsharing\W{0,3} of personal (?:data|information)|\bcross-context behavio\w+ advertising\b",
    ),
    (
        # third parties' own collection on the service: "These third parties may collect
        # information about you ... directly from your device"
        "share_third_collect",
        "data_sharing_third_parties",
        "n",
        0.7,
        "third",
        r"\bthird[- ]part(?:y|ies)\b[^.;]{0,60}?\b(?:may |will |can |also |might )*(?:collect|receive|obtain|"
        r"access)(?:s|es|ed)?\b[^.;]{0,60}\b(?:personal )?(?:data|information)\b",
    ),
    (
        "share_not_sell",
        "data_sharing_third_parties",
        "neg",
        1.0,
        "sell sold share rent",
        r"\b(?:do not|don't|will not|won't|never|does not)\b[^.;]{0,100}?\b(?:sell|share|rent)\b[^.;]{0,40}?\b"
        r"(?:personal )?(?:data|information)",
    ),
    (
        "export",
        "export_controls",
        "n",
        0.85,
        "export sanction sanctions sanctioned embargo embargoed ofac denied designated",
        r"\bexport (?:control|administration|laws?|regulations?|restrictions)|\bsanction\w*|\bembargo\w*|"
        r"\bofac\b|\bdenied (?:persons?|part(?:y|ies))|\bspecially designated|\brelease or export\b",
    ),
    # ------------------------------------------------------------ Chinese (CJK) text
    # Chinese has no spaces between words, so these rules' triggers are Chinese terms found by
    # substring (``cjk_triggers``) and their patterns work on characters, a clause's sentences
    # bounded by 。；！？ (``_ZS``: any character inside one sentence). The terms come from what each
    # category means in Chinese legal drafting, not from any one document.
    ("zh_arbitration", "arbitration", "n", 0.85, "仲裁", r"仲裁"),
    (
        "zh_jurisdiction",
        "jurisdiction",
        "u",
        0.85,
        "管辖 法院 签订地",
        # "司法管辖区" (a jurisdiction, as in cross-border transfers) names no forum
        rf"管辖(?!区)|(?:法院){_ZS}{{0,20}}(?:诉讼|起诉|解决)|(?:诉讼|起诉|提交){_ZS}{{0,25}}法院|签订地",
    ),
    (
        "zh_governing_law",
        "choice_of_law",
        "u",
        0.85,
        "适用 法律",
        # "适用...法律" names a law: "在适用法律允许的范围内" (to the extent the law allows) does not
        rf"适用{_ZS}{{0,6}}(?:中华人民共和国|中国|香港|澳门|新加坡|美国|英国|日本|[\u4e00-\u9fff]{{1,6}}(?:国|州|省)"
        rf")[^。；！？\n]{{0,12}}法律|(?:成立|生效|履行|解释){_ZS}{{0,30}}(?:受|依照|依据|按照){_ZS}{{0,12}}法律"
        r"(?:管辖|解释)",
    ),
    (
        "zh_liability_none",
        "limitation_of_liability",
        "u",
        0.85,
        "责任 赔偿",
        rf"不(?:承担|负|负有|予|作)?{_ZS}{{0,12}}(?:责任|赔偿)|免除{_ZS}{{0,10}}责任|责任限制|限制{_ZS}{{0,6}}责任"
        rf"|(?:赔偿|责任){_ZS}{{0,20}}(?:总额|上限|不超过)|免于承担|免责|(?:无需|无须|不需){_ZS}{{0,6}}(?:承担|负)"
        rf"{_ZS}{{0,6}}责任",
    ),
    (
        "zh_liability_user_bears",
        "limitation_of_liability",
        "u",
        0.6,
        "承担",
        rf"(?:后果|风险){_ZS}{{0,10}}(?:均|全部|一概)?由(?:你|您|用户){_ZS}{{0,4}}承担|损失{_ZS}{{0,10}}由(?:你|您|用户)自行承担"
        rf"|(?:你|您|用户)(?:应)?(?:自行|独立)承担{_ZS}{{0,10}}(?:后果|风险|责任)",
    ),
    (
        "zh_warranty",
        "warranty_disclaimer",
        "u",
        0.75,
        "保证 担保 现状",
        rf"(?:不|无法|不能|并不|不会){_ZS}{{0,20}}(?:保证|担保)|按{_ZS}{{0,20}}现状|现状{_ZS}{{0,4}}提供",
    ),
    (
        "zh_change_terms",
        "unilateral_change",
        "u",
        0.75,
        "修订 修改 变更 更新",
        r"(?:修订|修改|变更|更新)(?:本协议|本条款|本政策|本隐私政策|本规则|服务条款|用户协议)"
        rf"|(?:对|将)(?:本协议|本条款|本政策|本隐私政策|本规则|协议|条款){_ZS}{{0,10}}(?:进行)?(?:修订|修改|变更|更新)"
        rf"|(?:协议|条款|政策|规则){_ZS}{{0,20}}(?:可能|会|将|有权|可)(?:由)?{_ZS}{{0,10}}(?:不时|随时|适时)?(?:被)?"
        r"(?:修订|修改|变更|更新)|修订后的(?:本协议|本条款|本政策|本隐私政策|协议|条款|政策)"
        rf"|对(?:本|服务|用户)?(?:协议|条款|政策|规则){_ZS}{{0,10}}(?:修订|修改|变更|更新)",
    ),
    (
        # changes to the service itself
        "zh_change_service",
        "unilateral_change",
        "u",
        0.6,
        "修改 变更 调整",
        rf"(?:公司|我们|平台){_ZS}{{0,20}}(?:有权|可以|可能|将){_ZS}{{0,30}}(?:修改|变更|调整){_ZS}{{0,20}}"
        r"(?:服务|功能|本软件)",
    ),
    (
        "zh_by_using",
        "contract_by_using",
        "u",
        0.7,
        "视为 表示 即",
        rf"(?:使用|继续使用|登录|注册|访问){_ZS}{{0,30}}(?:即|则|均|就)?(?:视为|表示|代表|意味着)"
        rf"{_ZS}{{0,40}}(?:同意|接受)",
    ),
    (
        "zh_provider_terminates",
        "unilateral_termination",
        "u",
        0.8,
        "终止 停止 注销 收回 回收 封禁",
        # (not the user stopping: "请您立即终止使用我们的服务")
        rf"{_ZH_PROV}{_ZS}{{0,60}}(?:终止|停止)(?!使用)(?:向(?:你|您|用户))?(?:提供)?{_ZS}{{0,8}}"
        rf"(?:服务|协议|提供)|{_ZH_RIGHT}{_ZS}{{0,60}}(?:注销|收回|回收)|封禁(?:你的|您的|该)?(?:账号|帐号|账户)"
        r"|对(?:该)?(?:账号|帐号|账户)进行回收",
    ),
    (
        "zh_suspension",
        "account_suspension",
        "n",
        0.8,
        "暂停 中止 中断 冻结 封禁 封号 限制",
        rf"{_ZH_PROV}{_ZS}{{0,60}}(?:暂停|中止|中断|冻结|封禁|封号|限制(?:功能|使用|账号|帐号|登录))"
        r"|(?:冻结|暂停|限制)(?:你的|您的|该)?(?:账号|帐号|账户)",
    ),
    (
        "zh_content_removal",
        "content_removal",
        "u",
        0.8,
        "删除 屏蔽 下架 移除 重置 拒绝发布 停止传输",
        rf"{_ZH_PROV}{_ZS}{{0,60}}(?:删除|屏蔽|下架|移除|重置){_ZS}{{0,8}}(?:信息内容|内容|作品|评论|链接|头像|帖子|违规信息|违法信息|不良信息)"
        r"|拒绝发布|停止传输",
    ),
    (
        "zh_conduct",
        "acceptable_use",
        "n",
        0.6,
        "不得 禁止 严禁 不应",
        rf"(?:不得|禁止|严禁|不应(?!再)|不可以)(?:{_ZS}{{0,20}})?(?:利用|使用|从事|进行|制作|上传|发布|传播|复制|"
        r"以任何方式|用于|将|把|对|出现|含有|包含|转让|出售|出借)",
    ),
    (
        # items of a list of prohibited conduct state their wrong on their own ("危害国家安全的")
        "zh_wrong",
        "acceptable_use",
        "n",
        0.35,
        "违法 违反 侵犯 侵害 危害 非法 破坏 损害 宣扬 散布 煽动 侮辱 诽谤 恐怖 暴力 色情 淫秽 赌博 欺诈 诈骗 歧视 "
        "仇恨 谣言 虚假 侵入 窃取 恶意 未经 擅自 冒充 伪造 干扰 逃避 规避 遵守 符合",
        r"违法|违反|侵犯|侵害|危害|非法|破坏|损害|宣扬|散布|煽动|侮辱|诽谤|恐怖|暴力|色情|淫秽|赌博|欺诈|诈骗|歧视|仇恨"
        rf"|谣言|虚假|侵入|窃取|恶意|未经{_ZS}{{0,8}}(?:许可|允许|授权|同意)|擅自|冒充|伪造|干扰|逃避|规避"
        rf"|(?:遵守|符合){_ZS}{{0,20}}(?:规范|规则|法律法规)",
    ),
    (
        "zh_training",
        "ai_training_on_user_content",
        "u",
        0.85,
        "训练",
        # the data goes into training: "将...数据用于模型训练", "使用你的内容训练模型" (not "a model
        # trained on limited training data")
        rf"(?:数据|信息|内容|输入|输出|对话|资料)(?:用于|用户|用作|进行|作为|参与){_ZS}{{0,15}}训练"
        rf"|(?:用于|用作|参与){_ZS}{{0,10}}训练|使用{_ZS}{{0,20}}(?:数据|信息|内容|输入|输出|对话){_ZS}{{0,10}}训练",
    ),
    (
        "zh_no_training",
        "ai_training_on_user_content",
        "neg",
        1.0,
        "训练",
        rf"(?:不会|不|不得|绝不|不再)(?:将|把|使用|利用|用于|会)?{_ZS}{{0,40}}(?:用于|进行|用作|作为)?{_ZS}{{0,10}}训练",
    ),
    (
        # a ban on users training models on the service's outputs is not the provider training
        "zh_user_may_not_train",
        "ai_training_on_user_content",
        "x",
        1.0,
        "训练",
        rf"(?:你|您|用户){_ZS}{{0,10}}不得{_ZS}{{0,40}}训练",
    ),
    (
        "zh_license_grant",
        "license_to_platform",
        "u",
        0.8,
        "授予 授权 许可",
        rf"(?:你|您|用户){_ZS}{{0,20}}(?:授予|授权|许可)(?:给)?{_ZS}{{0,4}}(?:公司|我们|平台|百度|关联方)"
        rf"{_ZS}{{0,80}}(?:许可|使用权|权利)",
    ),
    (
        "zh_output_rights",
        "output_ownership",
        "n",
        0.8,
        "输出 生成",
        rf"(?:输出|生成)(?:的)?(?:内容|结果|作品|物)?{_ZS}{{0,30}}(?:所有权|知识产权|著作权|权利|权益)"
        rf"(?:归|属于)?|(?:所有权|知识产权|著作权|权益)(?:归|属于)?{_ZS}{{0,30}}(?:输出|生成(?:的)?内容)",
    ),
    (
        "zh_age",
        "age_eligibility",
        "n",
        0.85,
        "周岁 岁 未成年 监护人",
        r"(?:未满|不满|年满|已满|满)\s*\d{1,2}\s*(?:周岁|岁)|\d{1,2}\s*(?:周岁|岁)(?:以下|以上)"
        rf"|未成年{_ZS}{{0,30}}(?:监护人|父母)|(?:监护人|父母){_ZS}{{0,30}}(?:同意|陪同|指导|监护){_ZS}{{0,20}}未成年",
    ),
    (
        "zh_retention",
        "data_retention",
        "n",
        0.7,
        "保存 保留 存储 留存 匿名化 删除",
        rf"(?:保存|保留|存储|留存){_ZS}{{0,30}}(?:期限|期间|时间|年|个月|天|日)|(?:存储|保存|保留|留存)期限"
        rf"|删除或匿名化|匿名化处理|注销{_ZS}{{0,30}}删除|(?:不会|不){_ZS}{{0,6}}(?:留存|保存|保留|存储)"
        # (not "存储信息", stored information, in a list of things not to alter)
        r"|(?<!增加)(?<!、)(?:保留|留存|保存|存储)(?:你的|您的|相关|上述|该等)?(?:个人)?(?:信息|数据|记录|手机号码)"
        rf"|(?:信息|数据|记录|内容)(?:的)?(?:保留|留存|保存|存储)",
    ),
    (
        "zh_deletion",
        "data_retention",
        "n",
        0.55,
        "删除 注销",
        rf"删除{_ZS}{{0,10}}(?:个人信息|数据|账号|帐号|记录|对话)|注销(?:账号|帐号|账户)",
    ),
    (
        "zh_sharing",
        "data_sharing_third_parties",
        "n",
        0.75,
        "第三方 合作方 合作伙伴 关联方 关联公司 关联产品 监管 机关 部门 机构 银行 运营商 共享 转让 披露",
        rf"(?:我们|公司|平台){_ZS}{{0,40}}(?:提供|共享|披露|转让|转移|传输|分享|发送|报送)(?:给|至|予)?{_ZS}{{0,30}}"
        rf"(?:第三方|合作方|合作伙伴|关联方|关联公司|关联产品|监管|机关|部门|机构|银行|运营商)"
        rf"|向{_ZS}{{0,20}}(?:第三方|合作方|合作伙伴|关联方|关联公司|监管|机关|部门|机构){_ZS}{{0,20}}(?:提供|披露|共享|发送)"
        r"|(?:共享|转让|公开披露)(?:您的|你的)?个人信息|(?:第三方|合作方|合作伙伴|关联方|关联公司)"
        rf"{_ZS}{{0,40}}(?:收集|获取|使用|处理){_ZS}{{0,30}}(?:信息|数据|姓名|手机号|身份证|账号|设备)",
    ),
    (
        # a user's duty not to disclose data is conduct, not the provider sharing
        "zh_user_may_not_disclose",
        "data_sharing_third_parties",
        "x",
        1.0,
        "不得 禁止 严禁",
        rf"(?:不得|禁止|严禁){_ZS}{{0,60}}(?:泄露|提供|披露|共享)",
    ),
    (
        "zh_no_sale",
        "data_sharing_third_parties",
        "neg",
        1.0,
        "出售 共享 公开 转让 泄露 披露",
        rf"(?:不会|不)(?:向{_ZS}{{0,20}})?(?:出售|共享|公开|转让|泄露|披露){_ZS}{{0,20}}个人信息",
    ),
    (
        "zh_refund_none",
        "refunds",
        "u",
        0.9,
        "退款 退还 退费 不退",
        r"不(?:予|支持|提供|可|能|会)?(?:退款|退还|退费)|概不退|不退(?:款|还|费)",
    ),
    ("zh_refund", "refunds", "n", 0.6, "退款 退费", r"退款|退费"),
    (
        "zh_auto_renewal",
        "auto_renewal",
        "n",
        0.9,
        "自动续费 自动续订 自动续期 连续包月 连续包年 自动扣费 自动扣款",
        r"自动续费|自动续订|自动续期|连续包月|连续包年|自动扣费|自动扣款",
    ),
    (
        "zh_price_change",
        "price_change",
        "n",
        0.75,
        "价格 收费标准 资费 费用",
        rf"(?:调整|变更|修改){_ZS}{{0,10}}(?:价格|收费标准|资费)|(?:价格|收费标准|资费){_ZS}{{0,10}}(?:调整|变更)",
    ),
    (
        "zh_credit_expiry",
        "credit_expiry",
        "u",
        0.85,
        "积分 点数 余额 虚拟币 额度 有效期",
        rf"(?:积分|点数|余额|虚拟币|代币|额度){_ZS}{{0,40}}(?:有效期|过期|失效|清零|作废)"
        rf"|(?:有效期|过期|失效|清零){_ZS}{{0,20}}(?:积分|点数|余额|额度)",
    ),
    (
        "zh_credit_never_expire",
        "credit_expiry",
        "neg",
        1.0,
        "永久有效 不会过期 不设有效期",
        r"永久有效|不会过期|不设有效期",
    ),
    (
        "zh_rate_limit",
        "rate_limit",
        "n",
        0.7,
        "次数 用量 频率 上限 每日 每天 每分钟 每小时",
        rf"(?:次数|用量|频率|调用量){_ZS}{{0,10}}(?:限制|上限)|限制{_ZS}{{0,10}}(?:次数|用量|频率)"
        r"|每(?:日|天|分钟|小时|月)\s*(?:最多)?\s*\d+\s*(?:次|条)",
    ),
    (
        "zh_concurrency",
        "concurrency_limit",
        "n",
        0.85,
        "并发 同时",
        rf"并发|同时{_ZS}{{0,10}}(?:运行|进行|生成|处理){_ZS}{{0,10}}(?:任务|请求|会话)",
    ),
    (
        "zh_indemnity",
        "indemnification",
        "u",
        0.8,
        "赔偿 补偿 免受",
        rf"(?:你|您|用户){_ZS}{{0,40}}(?:赔偿|补偿){_ZS}{{0,20}}(?:公司|我们|平台|关联方)"
        rf"|(?:公司|我们|平台){_ZS}{{0,20}}免受{_ZS}{{0,20}}(?:损害|损失|索赔)",
    ),
    ("zh_class_action", "class_action_waiver", "u", 0.85, "集体诉讼 集团诉讼", r"集体诉讼|集团诉讼"),
    ("zh_jury", "jury_trial_waiver", "u", 0.85, "陪审团", r"陪审团"),
    (
        "zh_privacy_reference",
        "privacy_policy_by_reference",
        "n",
        0.7,
        "隐私",
        rf"(?:组成部分|包括但不限于|同时适用|一并){_ZS}{{0,60}}《{_ZS}{{0,12}}隐私{_ZS}{{0,8}}》"
        rf"|《{_ZS}{{0,12}}隐私{_ZS}{{0,8}}》{_ZS}{{0,40}}(?:组成部分|同意|接受)",
    ),
    (
        "zh_public_default",
        "public_by_default",
        "u",
        0.8,
        "默认",
        rf"默认{_ZS}{{0,20}}(?:公开|可见)",
    ),
    (
        "zh_biometrics",
        "voice_likeness_biometrics",
        "n",
        0.75,
        "生物识别 人脸 面部 声纹 肖像 声音",
        rf"生物识别|人脸|面部(?:信息|特征|识别)|声纹|(?:声音|肖像){_ZS}{{0,10}}(?:信息|数据|特征)",
    ),
    (
        "zh_non_compete",
        "output_non_compete",
        "n",
        0.55,
        "竞争",
        rf"(?:开发|训练|提供){_ZS}{{0,30}}竞争{_ZS}{{0,20}}(?:产品|服务|模型)",
    ),
    ("zh_fund_hold", "fund_hold", "u", 0.8, "冻结", rf"冻结{_ZS}{{0,10}}(?:资金|款项|收益|余额)"),
    ("zh_export", "export_controls", "n", 0.85, "出口管制 制裁 禁运", r"出口管制|制裁|禁运"),
]
# A survival clause lists the provisions that outlive the agreement ("limitation of liability,
# indemnification and this Section survive termination"); it states none of them.
_SURVIVAL = (
    r"(?s)^(?=.*\b(?:sections|provisions|following|including|obligations)\b).*?(?:\bsurviv\w*\b[^.;]{0,40}\b"
    r"(?:the )?(?:expiration|expiry|termination|cancellation)\b|\b(?:termination|expiration|expiry)\b[^.;]{0,60}"
    r"\b(?:will|shall) surviv)"
)
# An introduction that points the reader at the liability, licence and dispute clauses ("请认真阅读
# ...特别是免除或者限制责任的条款、法律适用和争议解决条款") states none of them.
_READING_NOTICE = rf"(?:阅读|注意|理解){_ZS}{{0,80}}条款"
for _cat in (
    "limitation_of_liability",
    "choice_of_law",
    "jurisdiction",
    "arbitration",
    "license_to_platform",
):
    _SPEC.append((f"zh_reading_notice_{_cat}", _cat, "x", 1.0, "阅读 注意 理解", _READING_NOTICE))
# What follows the user closing their own account ("你注销账号后，我们将停止为你提供服务") is not
# the provider terminating.
_SPEC.append(
    (
        "zh_after_user_closes",
        "unilateral_termination",
        "x",
        1.0,
        "注销",
        rf"(?:你|您|用户){_ZS}{{0,6}}注销(?:你的|您的)?(?:账号|帐号|账户){_ZS}{{0,20}}(?:后|之后|时)",
    )
)
# Service stopped by force majeure is neither a suspension nor a termination by the provider.
for _cat in ("account_suspension", "unilateral_termination"):
    _SPEC.append(
        (
            f"zh_force_majeure_{_cat}",
            _cat,
            "x",
            1.0,
            "不可抗力",
            rf"(?:因|由于)不可抗力{_ZS}{{0,20}}(?:暂停|中止|终止|中断)",
        )
    )
for _cat in (
    "limitation_of_liability",
    "unilateral_termination",
    "indemnification",
    "credit_expiry",
    "arbitration",
    "license_to_platform",
):
    _SPEC.append((f"survival_{_cat}", _cat, "x", 1.0, "survive survives survival", _SURVIVAL))
# fmt: on


def _compile() -> list[Rule]:
    rules: list[Rule] = []
    for rid, cat, kind, weight, triggers, pattern in _SPEC:
        rules.append(
            Rule(rid, cat, kind, weight, frozenset(triggers.split()), re.compile(pattern, re.S))
        )
    return rules


RULES: list[Rule] = _compile()

RULES_BY_TRIGGER: dict[str, list[Rule]] = {}
for _r in RULES:
    for _t in _r.triggers:
        RULES_BY_TRIGGER.setdefault(_t, []).append(_r)

# Chinese has no spaces between words: the CJK rules' trigger terms are looked up by substring.
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CJK_TRIGGERS = tuple(sorted(t for t in RULES_BY_TRIGGER if _CJK.search(t)))


def cjk_triggers(lower: str) -> set[str]:
    """The CJK trigger terms that occur in ``lower`` (none when it holds no CJK character)."""
    if _CJK.search(lower) is None:
        return set()
    return {t for t in _CJK_TRIGGERS if t in lower}
