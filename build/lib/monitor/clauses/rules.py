"""Hand-written recognition rules, one named rule per pattern.

Each rule belongs to one category and is run only when one of its trigger words occurs in the
clause (cheap gating keeps whole-document extraction fast). ``kind`` says what a match means:

- ``"u"``  evidence for the category that leans unfair to the user (CLAUDETTE degree 2/3);
- ``"n"``  evidence for the category, neutral;
- ``"f"``  evidence for the category that leans fair (an opt-out, a carve-out, a consumer forum);
- ``"neg"`` the clause states the unfavourable provision does not apply ("no arbitration",
  "credits never expire", "we will not train on your content").

Patterns are matched against the lower-cased clause text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Rule", "RULES", "RULES_BY_TRIGGER"]


@dataclass(frozen=True)
class Rule:
    id: str
    category: str
    kind: str  # "u" | "n" | "f" | "neg"
    weight: float
    triggers: frozenset[str]
    pattern: re.Pattern[str]


_C = "(?:content|inputs?|prompts?|outputs?|materials?|conversations?|chats?|data|submissions?|uploads?|files?|images?|generations?|creations?|assets|messages?)"
_NEG = r"(?:not|never|n't|no longer)"

# (id, category, kind, weight, triggers, pattern)
# fmt: off
_SPEC: list[tuple[str, str, str, float, str, str]] = [
    # ------------------------------------------------------------ commercial
    (
        "conc_parallel",
        "concurrency_limit",
        "n",
        0.85,
        "concurrent concurrently concurrency simultaneous simultaneously parallel once",
        r"\b(?:concurren(?:t|cy|tly)|simultaneous(?:ly)?|in parallel|at (?:the same time|once))\b.{0,80}"
        r"\b(?:jobs?|generations?|requests?|tasks?|runs?|predictions?|sessions?|renders?|queues?|"
        r"images?|videos?|streams?|connections?|workers?|gpus?)\b|\b(?:jobs?|generations?|requests?|tasks?|"
        r"predictions?|sessions?|renders?|connections?|workers?)\b.{0,60}\b(?:concurren(?:t|cy|tly)|"
        r"simultaneous(?:ly)?|in parallel|at (?:the same time|once))\b",
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
        0.6,
        "quota quotas usage limits caps",
        r"\bquotas?\b|\busage (?:limits?|caps?|tiers?)\b|\b(?:limit|restrict|cap)\w* (?:on )?(?:the |your )?"
        r"(?:number|volume|amount) of (?:requests|calls|messages|generations|queries|api calls)",
    ),
    (
        "credit_expire",
        "credit_expiry",
        "u",
        0.9,
        "expire expires expired expiry expiration forfeit forfeited forfeiture",
        r"\b(?:credits?|balances?|prepaid|tokens?|points|payments?|funds?|gift cards?)\b.{0,120}"
        r"\b(?:expire[sd]?|expir(?:y|ation)|forfeit\w*)\b|\b(?:expire[sd]?|expir(?:y|ation)|forfeit\w*)\b.{0,80}"
        r"\b(?:credits?|prepaid|balance|tokens?)\b",
    ),
    (
        "credit_rollover",
        "credit_expiry",
        "u",
        0.85,
        "roll carry rollover carryover",
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
        r"|\bwithout (?:a |any )?refund\b|\bno (?:right to|entitlement to) (?:a )?refund",
    ),
    (
        "refund_any",
        "refunds",
        "n",
        0.6,
        "refund refunds refunded refundable reimburse reimbursement",
        r"\brefund\w*|\breimburse\w*",
    ),
    (
        "refund_fair",
        "refunds",
        "f",
        0.7,
        "refund withdrawal cooling",
        r"\b(?:entitled to|eligible for|you may request|will (?:issue|provide|receive)|receive) (?:a )?"
        r"(?:full |pro[- ]?rat(?:a|ed) )?refund|\bright (?:of|to) withdraw|\bcooling[- ]off",
    ),
    (
        "auto_renew",
        "auto_renewal",
        "n",
        0.9,
        "automatically auto renew renews renewal renewed autorenew",
        r"\b(?:automatic(?:ally)?|auto)[- ]?renew\w*|\brenew\w* (?:automatically|for (?:an )?additional|"
        r"for successive|at the end of each)|\bunless (?:you )?cancel\w*.{0,60}\brenew",
    ),
    (
        "auto_recurring",
        "auto_renewal",
        "n",
        0.7,
        "recurring recur",
        r"\brecurring (?:billing|charges?|payments?|subscription|fees?)\b|\bbilled (?:automatically|"
        r"on a recurring)",
    ),
    (
        "price_change",
        "price_change",
        "n",
        0.85,
        "change changes modify increase adjust revise update prices pricing fees",
        r"\b(?:change|modify|increase|adjust|revise|update|raise)\w*\s+(?:our |the |its |any |these )?"
        r"(?:prices?|pricing|fees?|rates?|charges?|subscription (?:fees?|prices?)|credit (?:costs?|prices?))\b"
        r"|\b(?:prices?|pricing|fees?|rates?)\b.{0,20}\b(?:are|is|remain) subject to change|\b(?:prices?|"
        r"pricing|fees?)\b.{0,20}\b(?:may|can|will) (?:change|be changed|increase|be (?:increased|adjusted))",
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
        "failed unsuccessful errors error",
        r"\b(?:not|never) (?:be )?(?:charged|billed)\b.{0,40}\b(?:failed|unsuccessful|errored|errors?)"
        r"|\b(?:failed|unsuccessful|errored)\b.{0,60}\b(?:are|is|will be) (?:not|never) (?:charged|billed)"
        r"|\b(?:failed|unsuccessful|errored)\b.{0,60}\b(?:are|is) free\b",
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
        "train training trained improve develop fine tune tuning",
        rf"\b(?:use|using|used|process\w*|analy[sz]\w*)\b.{{0,80}}\b{_C}\b.{{0,120}}\b(?:train\w*|fine[- ]?tun\w*|"
        r"improv\w+|develop\w*)\b.{0,50}\b(?:models?|ai|artificial intelligence|machine learning|algorithms?)\b"
        rf"|\b(?:train\w*|fine[- ]?tun\w*)\b.{{0,60}}\b(?:models?|ai|algorithms?)\b.{{0,60}}\b(?:on|using|with|from)"
        rf"\b.{{0,40}}\b{_C}\b|\b{_C}\b.{{0,80}}\b(?:to|for|in) (?:the )?(?:train\w*|fine[- ]?tun\w*)\b",
    ),
    (
        "train_not",
        "ai_training_on_user_content",
        "neg",
        1.0,
        "train training trained",
        rf"\b(?:will|do|does|shall|would|may|did)\s*{_NEG}\s+(?:\w+\s+){{0,8}}?(?:train\w*|fine[- ]?tun\w*)\b"
        rf"|\b{_NEG}\s+(?:be\s+)?used\s+(?:to|for)\s+(?:train\w*|fine[- ]?tun\w*)|\bnever\s+(?:use|train)\w*\b"
        r"|\b(?:no|without) (?:model )?training on\b",
    ),
    (
        "train_optout",
        "ai_training_on_user_content",
        "n",
        0.5,
        "opt out optout settings disable turn",
        r"\bopt(?:ing)?[- ]?out\b|\bturn(?:ing)? off\b|\bdisabl\w+\b",
    ),
    (
        "output_own_user",
        "output_ownership",
        "f",
        0.85,
        "own owns retain assign assigns ownership",
        r"\b(?:you|users?|customers?) (?:will |shall |may )?(?:own|retain|hold|keep)\w*\b.{0,60}\b(?:outputs?|"
        r"generations?|creations|assets|images|results|completions|content you create|rights)"
        r"|\b(?:assigns?|transfers?) to you\b.{0,60}\b(?:right|title|interest)|\bas between you and\b"
        r"|\bownership of (?:the )?(?:outputs?|assets|generat\w+|content)",
    ),
    (
        "output_commercial",
        "output_ownership",
        "n",
        0.6,
        "commercial commercially",
        r"\b(?:outputs?|assets|images|generations?|creations|content)\b.{0,80}\bcommercial(?:ly)?\b|"
        r"\bcommercial(?:ly)? (?:use|purposes)\b.{0,80}\b(?:outputs?|assets|images|generations?|creations)",
    ),
    (
        "output_own_platform",
        "output_ownership",
        "u",
        0.85,
        "own owns ownership",
        r"\b(?:we|us|company) (?:will |shall )?(?:own|retain)\w*\b.{0,40}\b(?:rights?|title|ownership)\b"
        r".{0,60}\b(?:outputs?|generated|assets|creations)|\byou (?:do not|don't|will not) own\b",
    ),
    (
        "license_grant",
        "license_to_platform",
        "n",
        0.85,
        "grant grants license licence",
        r"\b(?:grant|give)\w*\b.{0,80}\b(?:licen[cs]e|right)\b.{0,160}\b(?:use|reproduce|modify|distribute|"
        r"display|host|store|sublicens\w*|publish|perform|adapt|create derivative)",
    ),
    (
        "license_broad",
        "license_to_platform",
        "u",
        0.8,
        "perpetual irrevocable worldwide royalty sublicensable",
        r"\b(?:perpetual|irrevocable|sub-?licens\w+)\b.{0,100}\blicen[cs]e|\blicen[cs]e\b.{0,60}\b(?:perpetual|"
        r"irrevocable)",
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
        "aup_prohibit",
        "acceptable_use",
        "n",
        0.6,
        "not prohibited permitted must acceptable use",
        r"\byou (?:may|shall|will|must|agree)(?: to)? not\b|\byou (?:agree|promise) (?:not to|that you will not)"
        r"|\bprohibited\b|\bnot (?:be )?permitted\b|\bacceptable use\b|\bdo not use\b|\bmust not (?:be )?us",
    ),
    (
        "aup_harm",
        "acceptable_use",
        "n",
        0.5,
        "illegal unlawful harmful harass harassment malware spam explicit csam abuse exploit",
        r"\b(?:illegal|unlawful|harmful|harass\w*|malware|spam\w*|sexually explicit|csam|child sexual|"
        r"exploit\w*|fraudulent|defamatory|obscene)\b",
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
        "arb_optout",
        "arbitration",
        "f",
        0.5,
        "opt out optout",
        r"\bopt[- ]?out\b.{0,60}\barbitrat|\barbitrat\w*.{0,80}\bopt[- ]?out",
    ),
    ("arb_small_claims", "arbitration", "f", 0.4, "small claims", r"\bsmall[- ]claims?\b"),
    (
        "arb_none",
        "arbitration",
        "neg",
        1.0,
        "arbitration arbitrate",
        r"\b(?:there is|there will be|with) no\b.{0,30}\barbitrat|\b(?:not|never) (?:be )?(?:subject to|required to|"
        r"resolved (?:by|through|in)|submitted to|referred to) (?:binding |mandatory )?arbitrat|\bno (?:binding |"
        r"mandatory |forced )?arbitration\b|\b(?:do|does|will) not (?:require|contain|include)\b.{0,40}\barbitrat",
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
        r"(?:action|proceeding|redress)|\bconsolidat\w+ (?:action|proceeding|claims|arbitration)|"
        r"\b(?:only |solely )?on an individual basis\b|\bprivate attorney general",
    ),
    ("jury_waiver", "jury_trial_waiver", "u", 0.95, "jury", r"\bjury\b"),
    (
        "change_terms",
        "unilateral_change",
        "u",
        0.85,
        "change modify amend update revise alter replace changes modifications amendments",
        r"\b(?:we|us|company|[a-z]+)\b (?:may|can|might|will|reserves? the right to|have the right to)\b.{0,60}"
        r"\b(?:change|modify|amend|update|revise|alter|replace|supplement)\w*\b.{0,50}\b(?:terms|agreement|"
        r"polic(?:y|ies)|conditions|these|provisions|guidelines|eula|rules)\b|\b(?:terms|agreement|polic(?:y|ies)|"
        r"conditions)\b.{0,50}\b(?:may|can|will|might) be (?:changed|modified|amended|updated|revised|"
        r"supplemented)|\b(?:changes?|modifications?|updates?|amendments?|revisions?) (?:to|of) (?:these|the|"
        r"this|our) (?:terms|agreement|polic(?:y|ies)|conditions)",
    ),
    (
        "change_service",
        "unilateral_change",
        "n",
        0.45,
        "change modify discontinue alter",
        r"\b(?:change|modify|discontinue|alter)\w*\b.{0,40}\b(?:the |our |any )?(?:services?|features?|"
        r"functionality|platform|products?)\b",
    ),
    (
        "remove_content",
        "content_removal",
        "u",
        0.8,
        "remove removal delete block disable take refuse restrict edit screen filter moderate",
        r"\b(?:remove|removal|delete|block|disable|take[- ]?down|takes? down|refuse to (?:post|display|publish|"
        r"accept|distribute)|restrict access to|edit|screen|moderat\w+|reject)\w*\b.{0,60}\b(?:content|posts?|"
        r"materials?|submissions?|uploads?|videos?|comments?|information|listings?|reviews?|messages?|"
        r"prompts?|outputs?|creations|images|playlists?)\b",
    ),
    (
        "terminate_account",
        "unilateral_termination",
        "u",
        0.8,
        "terminate termination suspend suspension disable deactivate close cancel delete ban block restrict",
        r"\b(?:terminat\w+|suspend\w*|suspension|disabl\w+|deactivat\w+|clos\w+|cancel\w*|delet\w+|ban|"
        r"block|restrict)\b.{0,60}\b(?:your |the |any )?(?:accounts?|access|use of|membership|subscriptions?|"
        r"right to use|profiles?|registration|licen[cs]e|agreement|services? to you)\b",
    ),
    (
        "terminate_any_time",
        "unilateral_termination",
        "u",
        0.6,
        "discretion reason notice time",
        r"\b(?:terminat\w+|suspend\w*)\b.{0,120}\b(?:for any (?:or no )?reason|at any time|without (?:prior )?"
        r"notice|(?:sole|absolute) discretion|without (?:cause|liability))",
    ),
    (
        "suspend_account",
        "account_suspension",
        "n",
        0.8,
        "suspend suspension suspended disable disabled restrict",
        r"\b(?:suspend\w*|suspension|temporar\w+ (?:disable|restrict|block)\w*)\b.{0,60}\b(?:your |the |any )?"
        r"(?:accounts?|access|use of)",
    ),
    (
        "venue_courts",
        "jurisdiction",
        "u",
        0.85,
        "courts court jurisdiction venue forum tribunal tribunals",
        r"\b(?:courts?|tribunals?) (?:of|in|located in|sitting in|situated in)\b|\b(?:exclusive|non-exclusive|"
        r"personal|sole) jurisdiction|\bvenue\b|\bsubmit\w* to the (?:\w+ )?jurisdiction|\bforum\b",
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
        "governed governing construed interpreted law laws",
        r"\bgoverned by\b|\bconstrued (?:and enforced )?(?:in accordance with|under)\b|\binterpreted (?:in "
        r"accordance with|under)\b|\bgoverning law\b|\blaws? (?:will|shall) (?:apply|govern)|\b(?:english|irish|"
        r"german|french|swiss|dutch|swedish|luxembourg|singapore|californian?|delaware|new york|israeli) law\b"
        r"|\bconflicts? of laws?\b|\bchoice of law\b",
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
        "liable liability responsible responsibility damages risk",
        r"\b(?:not|never|no) (?:be )?(?:held )?(?:liable|responsible)\b|\bliability\b.{0,80}\b(?:limit\w*|exceed\w*|"
        r"cap\w*|exclud\w*|disclaim\w*)|\blimitation (?:of|on) liability|\b(?:in no event|under no circumstances)"
        r"\b.{0,160}\b(?:liable|liability|responsible|damages)|\b(?:indirect|incidental|consequential|special|"
        r"punitive|exemplary) damages|\b(?:aggregate|total|maximum|cumulative|entire) liability|\bat your (?:own|"
        r"sole) risk|\bdisclaim\w* (?:all |any )?(?:liability|responsibility)|\b(?:assume|accept)s? no (?:"
        r"liability|responsibility)|\b(?:not|no) (?:accept|assume) (?:any )?(?:liability|responsibility)"
        r"|\bsole (?:and exclusive )?remedy\b",
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
        "as is available warranty warranties merchantability fitness guarantee guarantees representations",
        r"\bas[- ]is\b|\bas[- ]available\b|\bwithout (?:any )?warrant\w*|\b(?:disclaim|exclude)\w* .{0,60}"
        r"warrant|\bno warrant\w*|\bmerchantability\b|\bfitness for a particular purpose\b|\bnon-?infringement\b"
        r"|\bmake[s]? no (?:representations?|warrant\w*|guarantees?|promises?)",
    ),
    (
        "by_using",
        "contract_by_using",
        "u",
        0.9,
        "using accessing use access visiting browsing downloading installing continuing continue agree",
        r"\bby (?:accessing|using|visiting|browsing|downloading|installing|registering|signing up|clicking|"
        r"continuing to (?:use|access)|creating an account|accessing or using|using or accessing)\b.{0,160}"
        r"\b(?:agree|accept|consent|bound|acknowledge)|\b(?:continued|continuing|continue to) (?:use|access)\w*"
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
        r"\bprivacy (?:policy|notice|statement)\b.{0,120}\b(?:incorporated|part of|forms? part|by reference|"
        r"agree|consent|accept|bound|governed)|\b(?:incorporated|part of|forms? part|by reference|agree|consent|"
        r"accept|bound|governed|subject to)\b.{0,100}\bprivacy (?:policy|notice|statement)\b",
    ),
    (
        "pinc_mention",
        "privacy_policy_by_reference",
        "n",
        0.4,
        "privacy",
        r"\bprivacy (?:policy|notice|statement)\b",
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
        r"|\bretention (?:period|polic\w+|schedule)",
    ),
    (
        "age_min",
        "age_eligibility",
        "n",
        0.85,
        "age aged older younger under over least minimum minors minor children child eligible eligibility",
        r"\b(?:at least|over|under|minimum age|older than|younger than|aged?|ages)\b.{0,20}\b(?:1[3-9]|2[01]|"
        r"thirteen|sixteen|eighteen|twenty[- ]one)\b|\bage of (?:majority|consent|digital consent)|\b(?:minors?|"
        r"children|child)\b.{0,60}\b(?:not (?:permitted|allowed)|may not|must not|prohibited|parental|guardian)"
        r"|\beligib(?:le|ility)\b.{0,40}\b(?:to use|requirements?|for (?:the|our) services?)",
    ),
    (
        "share_third",
        "data_sharing_third_parties",
        "n",
        0.8,
        "share shares shared sharing disclose disclosed sell sold transfer",
        r"\b(?:share|shares|shared|sharing|disclos\w+|sell|sold|sells|transfer\w*|provide)\b.{0,60}\b(?:personal "
        r")?(?:data|information)\b.{0,80}\b(?:third[- ]part\w+|partners|affiliates|advertisers|service "
        r"providers|vendors|law enforcement)",
    ),
    (
        "share_not_sell",
        "data_sharing_third_parties",
        "neg",
        1.0,
        "sell sold share",
        r"\b(?:do not|don't|will not|won't|never)\s+(?:sell|share|rent)\b.{0,40}\b(?:your )?(?:personal )?"
        r"(?:data|information)",
    ),
    (
        "export",
        "export_controls",
        "n",
        0.85,
        "export sanction sanctions sanctioned embargo embargoed ofac denied designated",
        r"\bexport (?:control|administration|laws?|regulations?|restrictions)|\bsanction\w*|\bembargo\w*|"
        r"\bofac\b|\bdenied (?:persons?|part(?:y|ies))|\bspecially designated",
    ),
]
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
