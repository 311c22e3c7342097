"""Demo data: a believable small Chinese clinic, generated the same way every time.

``generate_demo`` fills an open clinic with staff, patients and a few years of
visits; ``create_demo_clinic`` sets up a throw-away demo clinic and fills it.
Used by ``clinic-desk demo`` / ``demo-data``, by tests and by the benchmarks.

Demo credentials (for demo clinics only, never for a real clinic):

- every demo staff account, and the demo clinic's director ``director``,
  has the password ``demo-pass-1`` (no change is forced at first sign-in);
- the demo clinic's passphrase is ``demo clinic passphrase 2026``.

Determinism: one seed gives the same names, phones, birth dates, visit times,
note texts and ids (UUIDv7-shaped, built from the row's own timestamp and the
seed's random bits), because everything is drawn from ``random.Random`` and
dated from a fixed anchor day, never from the wall clock. Only the password
hash (Argon2 salts itself) and the audit row's time differ between runs.

Each visit is a ``Visit`` row (category, complaint, findings, diagnosis with
its ICD-10 code, plan), with ``VitalSigns`` when the visit measured something
(the values match the findings' text); chronic patients get their conditions
and usual medicines, and some patients an allergy. The staff table has no specialty
column (issue 5 adds rosters and specialties), so doctors get none.
"""

from __future__ import annotations

import bisect
import itertools
import json
import math
import operator
import random
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date, Uuid, func, insert, select
from sqlalchemy.orm import Session

from clinic_desk.core.errors import ClinicError, ValidationError
from clinic_desk.core.i18n import QT_TRANSLATE_NOOP
from clinic_desk.core.security import audit
from clinic_desk.core.security.keys import KdfParams
from clinic_desk.core.security.passwords import hash_password
from clinic_desk.core.security.permissions import Action, Role
from clinic_desk.core.services import patient_search
from clinic_desk.core.services import patients as patient_service
from clinic_desk.core.services.base import (
    Actor,
    Changes,
    Clinic,
    Clock,
    Topic,
    system_clock,
)
from clinic_desk.core.store.base import UTCDateTime
from clinic_desk.core.store.models import (
    Allergy,
    BenefitUse,
    Condition,
    Medication,
    Patient,
    Staff,
    Visit,
    VitalSigns,
)
from clinic_desk.core.store.store import UnitOfWork
from clinic_desk.core.tasks import TaskState

DEMO_PASSWORD = "demo-pass-1"
DEMO_PASSPHRASE = "demo clinic passphrase 2026"
DEMO_DIRECTOR_LOGIN = "director"
DEMO_DIRECTOR_NAME = "王丽"
DEMO_CLINIC_NAME = "仁和社区诊所（演示）"
DEMO_ADDRESS = "北京市朝阳区建国路88号"
DEMO_PHONE = "010-6512 3456"
DEFAULT_ANCHOR = date(2026, 11, 1)

MAX_PATIENTS = 1_000_000
MAX_YEARS = 30.0
# Rows per INSERT ... executemany; big enough that SQLAlchemy's per-statement
# cost vanishes, small enough to keep memory flat.
BATCH_ROWS = 5_000
# Patients generated between two progress reports (and cancellation checks).
PATIENT_CHUNK = 1_000

# --- staff --------------------------------------------------------------------------

# (login, display name, role): fixed, so the demo's people are the same in
# every demo clinic and a second run finds them already there.
DEMO_STAFF: tuple[tuple[str, str, Role], ...] = (
    ("zhang.wei", "张伟", Role.DOCTOR),
    ("li.na", "李娜", Role.DOCTOR),
    ("chen.jianguo", "陈建国", Role.DOCTOR),
    ("liu.fang", "刘芳", Role.DOCTOR),
    ("yang.ming", "杨明", Role.DOCTOR),
    ("zhao.jing", "赵静", Role.DOCTOR),
    ("huang.zhiqiang", "黄志强", Role.DOCTOR),
    ("zhou.min", "周敏", Role.DOCTOR),
    ("wu.ting", "吴婷", Role.TRIAGE_NURSE),
    ("xu.lihua", "徐丽华", Role.TRIAGE_NURSE),
    ("sun.yue", "孙悦", Role.RECEPTIONIST),
    ("ma.xiaoyan", "马晓燕", Role.RECEPTIONIST),
    ("zhu.haitao", "朱海涛", Role.PHARMACIST),
    ("hu.xiulan", "胡秀兰", Role.HEALTH_MANAGER),
    ("guo.jia", "郭佳", Role.CUSTOMER_SERVICE),
    ("he.yuxin", "何雨欣", Role.CUSTOMER_SERVICE),
)

# --- names --------------------------------------------------------------------------

# Common surnames with rough relative frequencies (per mille of the population).
_SURNAME_WEIGHTS: tuple[tuple[str, float], ...] = (
    *zip("王李张", (71, 70, 67), strict=True),
    *zip("刘陈杨黄赵吴周", (54, 45, 31, 22, 20, 20, 19), strict=True),
    *zip("徐孙马朱胡郭何高林罗", (15, 15, 13, 13, 12, 12, 10, 10, 10, 9), strict=True),
    *((s, 7.0) for s in "郑梁谢宋唐许韩冯邓曹彭曾肖田董袁"),
    *((s, 4.0) for s in "潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾"),
    *((s, 2.0) for s in "夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺"),
    *((s, 1.5) for s in "顾毛郝龚邵万钱严覃武戴莫孔向汤"),
    ("欧阳", 0.5),
    ("司马", 0.1),
    ("诸葛", 0.1),
    ("上官", 0.1),
)
_SURNAMES = tuple(s for s, _ in _SURNAME_WEIGHTS)
_SURNAME_CUM = tuple(itertools.accumulate(w for _, w in _SURNAME_WEIGHTS))

# Given names as each generation tends to have them: (born before, male, female).
_GIVEN_BY_ERA: tuple[tuple[int, tuple[str, ...], tuple[str, ...]], ...] = (
    (
        1960,
        tuple(
            "建国 国强 建华 志强 德明 振华 国庆 长江 卫东 建军 明华 文斌 玉林 宝山 福生 "
            "永年 树林 德福 国华 学文".split()
        ),
        tuple(
            "秀英 桂英 秀兰 玉兰 桂兰 淑珍 凤英 秀珍 玉珍 淑兰 桂芳 素珍 翠兰 秀芳 玉梅 "
            "淑英 春梅 桂珍 凤兰 秀云".split()
        ),
    ),
    (
        1980,
        tuple(
            "伟 军 勇 强 刚 斌 明 平 辉 建 峰 海 东 力 志刚 建平 卫国 晓东 立新 红军 永刚 "
            "海涛".split()
        ),
        tuple(
            "丽 静 敏 燕 艳 芳 红 霞 娟 萍 丽华 红梅 海燕 晓红 丽娟 春燕 小红 美玲 秀芬 "
            "雪梅".split()
        ),
    ),
    (
        2000,
        tuple(
            "磊 涛 超 鹏 杰 浩 宇 亮 鑫 波 俊 帅 晨 阳 凯 志伟 晓峰 文博 明辉 家乐 海波 "
            "子健".split()
        ),
        tuple(
            "婷 丹 倩 莉 洁 琳 颖 雪 佳 慧 晶 蕾 婷婷 丹丹 晓雪 佳琪 雅静 思佳 欣然 梦婷".split()
        ),
    ),
    (
        9999,
        tuple(
            "子轩 浩然 宇航 梓豪 俊杰 一鸣 博文 子墨 浩宇 皓轩 宇泽 睿 航 轩 泽 铭 奕辰 "
            "沐阳 锦程 明哲".split()
        ),
        tuple(
            "梓涵 欣怡 雨桐 一诺 诗涵 子涵 可馨 雨萱 思彤 佳怡 语嫣 梦瑶 欣妍 若汐 静怡 "
            "紫萱 芷若 梓萱 悦 彤".split()
        ),
    ),
)
# Two-character given names put together, for variety beyond the lists above.
_GIVEN_PARTS = {
    "M": ("志建国文明永海俊子浩宇晓家天思嘉博立振鹏", "伟强军华明平杰涛斌辉峰超宇鹏轩然航博林成"),
    "F": ("秀丽晓雅美淑玉春思佳梓欣雨诗海婉慧静紫梦", "英兰芳华娟红燕琳婷怡涵萱彤琪雪玲洁颖敏霞"),
}

# --- phones -------------------------------------------------------------------------

# Mainland mobile prefixes in use (China Mobile, Unicom, Telecom, Broadnet),
# roughly weighted by how many numbers each carries.
_PHONE_PREFIXES = (
    *(f"13{d}" for d in range(10)),
    *(f"15{d}" for d in "01235789"),
    *(f"18{d}" for d in range(10)),
    "170",
    "171",
    "173",
    "175",
    "176",
    "177",
    "178",
    "191",
    "193",
    "195",
    "196",
    "197",
    "198",
    "199",
)
_PHONE_CUM = tuple(
    itertools.accumulate(3.0 if p[:2] in {"13", "15", "18"} else 1.0 for p in _PHONE_PREFIXES)
)
NO_PHONE_SHARE = 0.03

# --- ages, conditions, visit rates ----------------------------------------------------

# (lowest age, highest age, weight): adults and the elderly, some children.
_AGE_BANDS = ((0, 5, 6), (6, 14, 8), (15, 39, 24), (40, 59, 30), (60, 79, 26), (80, 95, 6))
_AGE_CUM = tuple(itertools.accumulate(w for *_, w in _AGE_BANDS))

HTN, DM, CHD, COPD, LIPID = "htn", "dm", "chd", "copd", "lipid"
# (condition, weight among chronic patients, lowest age)
_CONDITIONS = ((HTN, 50, 30), (DM, 25, 30), (LIPID, 15, 30), (CHD, 8, 50), (COPD, 6, 50))

# Visits per year while someone is the clinic's patient, at the default mean
# of 4 (``visits_per_year`` scales them): chronic patients come for their
# monthly-ish check, children often, most adults now and then.
_RATE = {"chronic": 8.0, "child": 4.5, "elderly": 3.5, "adult": 2.5}
# How long someone stays a patient (mean years, exponential): many come once
# or twice and go elsewhere; chronic patients stay. With these, 60,000
# patients over 5 years make about 250,000 visits (the issue-12 size).
_STAY_YEARS = {"chronic": 1.8, "child": 0.6, "elderly": 0.6, "adult": 0.35}
# Share of patients already on the books before the generated period starts.
ESTABLISHED_SHARE = 0.15

# --- clinic hours ---------------------------------------------------------------------

OPEN_MINUTE = 8 * 60
CLOSE_MINUTE = 17 * 60 + 30
# Busier on Mondays, quieter at weekends (Mon..Sun).
_WEEKDAY_WEIGHT = (1.2, 1.05, 1.0, 1.0, 1.05, 0.8, 0.55)
_WEEKDAY_MAX = max(_WEEKDAY_WEIGHT)
# Half-hour slots from 08:00 to 17:30: the morning rush, the lunch dip.
_SLOT_WEIGHT = (6, 9, 10, 10, 9, 8, 6, 4, 1.5, 1.5, 2, 4, 7, 7, 6.5, 6, 5, 3.5, 2)
_SLOT_CUM = tuple(itertools.accumulate(_SLOT_WEIGHT))
assert len(_SLOT_WEIGHT) * 30 == CLOSE_MINUTE - OPEN_MINUTE

# --- note templates -------------------------------------------------------------------


@dataclass(frozen=True)
class _Template:
    complaints: tuple[str, ...]
    findings: tuple[str, ...]
    diagnosis: str
    plans: tuple[str, ...]


def _t(complaints: str, findings: str, diagnosis: str, plans: str) -> _Template:
    # Alternatives are separated by "|".
    return _Template(
        tuple(complaints.split("|")),
        tuple(findings.split("|")),
        diagnosis,
        tuple(plans.split("|")),
    )


# Placeholders: {d} a few days, {dl} weeks to years, {t} fever, {tn} no fever,
# {bpn} normal and {bph} high blood pressure, {hr}, {glu}, {a1c}, {spo2}, {tc}, {ldl}.
_TEMPLATES: dict[str, _Template] = {
    "cold": _t(
        "咽痛、鼻塞流涕{d}|发热、咽痛{d}|咳嗽、流涕{d}",
        "T {t}℃，咽部充血，扁桃体无肿大，双肺呼吸音清|T {t}℃，咽部充血，双肺未闻及干湿啰音",
        "上呼吸道感染",
        "多饮水、注意休息，对症退热治疗，三天未好转复诊|对症治疗，注意休息，高热不退或出现气促及时就诊",
    ),
    "bronchitis": _t(
        "咳嗽、咳痰{d}|咳嗽伴少量黄痰{d}",
        "T {t}℃，双肺呼吸音粗，可闻及少许干啰音|T {tn}℃，双肺呼吸音粗，未闻及湿啰音",
        "急性支气管炎",
        "止咳化痰治疗，一周后复诊|止咳化痰，必要时查血常规及胸片",
    ),
    "pharyngitis": _t(
        "咽痛、吞咽不适{d}|咽干、异物感{d}",
        "T {tn}℃，咽后壁充血，淋巴滤泡增生",
        "急性咽炎",
        "含片及对症治疗，少说话，忌辛辣|多饮温水，对症治疗，一周不愈复诊",
    ),
    "checkup": _t(
        "单位年度体检|自觉无不适，要求体检|入职体检",
        "BP {bpn} mmHg，心肺听诊未见异常，腹软无压痛",
        "健康查体",
        "完善血常规、肝肾功能、血脂、血糖、心电图检查，结果出来后解读|体检未见明显异常，建议规律作息、适量运动",
    ),
    "gastritis": _t(
        "上腹部隐痛、反酸{dl}|上腹胀满、嗳气{dl}",
        "腹软，上腹部轻压痛，无反跳痛，肠鸣音正常",
        "慢性胃炎",
        "抑酸护胃治疗两周，清淡饮食，忌辛辣烟酒|建议择期胃镜检查，抑酸、促胃动力治疗",
    ),
    "gastroenteritis": _t(
        "腹泻、恶心{d}|腹痛、腹泻{d}，每日四五次稀便",
        "T {tn}℃，腹软，脐周轻压痛，肠鸣音活跃",
        "急性胃肠炎",
        "口服补液盐，清淡饮食，对症止泻治疗|注意补液，必要时查便常规，腹痛加重随诊",
    ),
    "back_pain": _t(
        "腰痛{d}，弯腰时加重|搬重物后腰痛{d}|反复腰痛{dl}，久坐后加重",
        "腰椎旁肌肉压痛，直腿抬高试验阴性",
        "腰肌劳损",
        "局部热敷，外用止痛药膏，避免久坐及弯腰负重|理疗、适当休息，不缓解建议查腰椎影像",
    ),
    "rhinitis": _t(
        "鼻痒、打喷嚏、流清涕{d}|晨起连续打喷嚏、鼻塞{dl}",
        "鼻黏膜苍白水肿，下鼻甲肿大",
        "过敏性鼻炎",
        "鼻喷激素及口服抗组胺药，避免接触过敏原|抗过敏治疗，建议查过敏原",
    ),
    "eczema": _t(
        "皮肤瘙痒、红疹{d}|双手红斑、丘疹伴瘙痒{dl}",
        "四肢散在红斑、丘疹，部分抓痕，无渗出",
        "湿疹",
        "外用激素软膏，口服抗组胺药，避免搔抓及热水烫洗",
    ),
    "urticaria": _t(
        "全身风团样皮疹伴瘙痒{d}",
        "躯干及四肢可见大小不等风团，皮肤划痕征阳性",
        "急性荨麻疹",
        "口服抗组胺药，寻找并避免诱因，出现呼吸困难立即就诊",
    ),
    "cervical": _t(
        "颈肩部酸痛{dl}，伴右手麻木|颈部僵硬疼痛{d}",
        "颈椎活动轻度受限，椎旁压痛，臂丛牵拉试验阳性|颈椎活动轻度受限，椎旁压痛",
        "颈椎病",
        "理疗，纠正低头姿势，适当颈部功能锻炼",
    ),
    "insomnia": _t(
        "入睡困难、易醒{dl}|睡眠差、多梦{dl}",
        "神清，精神稍差，心肺听诊未见异常",
        "失眠",
        "睡眠卫生指导，必要时短期助眠药物，两周后复诊",
    ),
    "headache": _t(
        "头痛{d}，以双侧颞部为主|反复头痛{dl}，劳累后加重",
        "BP {bpn} mmHg，神经系统检查未见阳性体征",
        "紧张性头痛",
        "注意休息，避免熬夜，对症止痛治疗",
    ),
    "uti": _t(
        "尿频、尿急、尿痛{d}",
        "T {tn}℃，肾区无叩击痛，耻骨上轻压痛",
        "急性膀胱炎",
        "查尿常规，抗感染治疗，多饮水",
    ),
    "dysmenorrhea": _t(
        "经期下腹痛{dl}|经期下腹坠痛伴腰酸{dl}",
        "腹软，下腹部轻压痛，无反跳痛",
        "原发性痛经",
        "经期注意保暖，对症止痛，建议妇科超声检查",
    ),
    "conjunctivitis": _t(
        "双眼发红、分泌物增多{d}",
        "双眼结膜充血，可见黏性分泌物，视力未受影响",
        "急性结膜炎",
        "抗生素滴眼液，勿揉眼，毛巾单独使用",
    ),
    "ulcer": _t(
        "口腔溃疡疼痛{d}",
        "舌缘及颊黏膜可见两处溃疡，表面覆黄白色假膜",
        "复发性口腔溃疡",
        "局部用药，清淡饮食，补充维生素",
    ),
    "sprain": _t(
        "运动时扭伤右踝{d}，肿痛|下楼梯扭伤左踝{d}",
        "踝关节外侧肿胀，压痛明显，活动受限",
        "踝关节扭伤",
        "冰敷、制动、抬高患肢，必要时拍片排除骨折",
    ),
    "wound": _t(
        "切菜时割伤左手示指，出血|摔倒致膝部擦伤",
        "伤口约1.5厘米，边缘整齐，无活动性出血|膝部皮肤擦伤，少量渗血，无异物",
        "皮肤软组织损伤",
        "清创消毒包扎，隔日换药，必要时注射破伤风疫苗",
    ),
    "gout": _t(
        "右足第一跖趾关节红肿热痛{d}",
        "右足第一跖趾关节红肿，皮温升高，压痛明显",
        "痛风急性发作",
        "查血尿酸，消炎止痛治疗，低嘌呤饮食，多饮水",
    ),
    "knee": _t(
        "双膝关节疼痛{dl}，上下楼加重",
        "双膝关节骨摩擦感，无明显红肿",
        "膝骨关节炎",
        "减少爬楼登山，控制体重，外用消炎止痛药，理疗",
    ),
    "dizziness": _t(
        "头晕{d}，体位改变时明显",
        "BP {bpn} mmHg，眼震阴性，神经系统检查未见异常",
        "头晕待查",
        "完善血常规、心电图检查，注意防跌倒，症状加重及时就诊",
    ),
    "child_fever": _t(
        "发热{d}，最高体温{t}℃|发热伴咳嗽{d}",
        "T {t}℃，精神可，咽充血，双肺呼吸音清",
        "急性上呼吸道感染",
        "物理降温，体温超过38.5℃予退热药，多饮水，高热不退或精神差及时复诊",
    ),
    "hfmd": _t(
        "发热伴口腔疱疹{d}",
        "T {t}℃，口腔黏膜散在疱疹，手足可见斑丘疹",
        "手足口病",
        "居家隔离，对症治疗，观察精神及呼吸，出现嗜睡、抽搐立即就诊",
    ),
    "child_diarrhea": _t(
        "腹泻{d}，每日蛋花样便五六次",
        "精神可，皮肤弹性好，腹软，肠鸣音活跃",
        "小儿腹泻病",
        "口服补液盐预防脱水，继续喂养，补锌治疗",
    ),
    "child_cough": _t(
        "咳嗽{d}，夜间明显",
        "T {tn}℃，双肺呼吸音粗，未闻及湿啰音",
        "急性支气管炎",
        "雾化治疗，止咳化痰，注意观察呼吸",
    ),
    "child_checkup": _t(
        "儿童保健体检|常规生长发育评估",
        "身高体重在正常范围，心肺听诊无异常",
        "儿童健康检查",
        "生长发育正常，按时接种疫苗，合理膳食",
    ),
    "htn_first": _t(
        "体检发现血压升高{dl}|头晕、血压升高{d}",
        "BP {bph} mmHg，HR {hr}次/分，双下肢无水肿",
        "原发性高血压",
        "完善血脂、血糖、肾功能、心电图，生活方式干预，启动降压治疗",
    ),
    "htn": _t(
        "高血压病复诊，近期偶有头晕|高血压病复诊，无不适，来取药",
        "BP {bph} mmHg，HR {hr}次/分，心律齐",
        "原发性高血压",
        "继续原降压方案，低盐饮食，每日家庭自测血压并记录|血压控制欠佳，调整降压药物剂量，两周后复诊",
    ),
    "dm": _t(
        "2型糖尿病随访，自测空腹血糖{glu} mmol/L|糖尿病复诊，口干多饮较前好转",
        "空腹血糖 {glu} mmol/L，糖化血红蛋白 {a1c}%，双足背动脉搏动可",
        "2型糖尿病",
        "继续二甲双胍治疗，控制饮食，规律运动，三个月后复查糖化血红蛋白|血糖控制欠佳，调整降糖方案，糖尿病饮食指导",
    ),
    "chd": _t(
        "冠心病复诊，活动后偶有胸闷|冠心病复诊，近期无胸痛",
        "BP {bpn} mmHg，HR {hr}次/分，心律齐，各瓣膜听诊区未闻及杂音",
        "冠状动脉粥样硬化性心脏病",
        "继续抗血小板及调脂治疗，胸痛持续不缓解立即拨打120",
    ),
    "copd": _t(
        "慢阻肺随访，活动后气短|咳嗽咳痰加重{d}",
        "桶状胸，双肺呼吸音低，SpO₂ {spo2}%",
        "慢性阻塞性肺疾病",
        "继续吸入剂治疗，指导正确吸入方法，戒烟，接种流感疫苗",
    ),
    "lipid": _t(
        "血脂异常复诊|体检发现血脂偏高",
        "总胆固醇 {tc} mmol/L，低密度脂蛋白 {ldl} mmol/L",
        "高脂血症",
        "继续他汀类药物治疗，低脂饮食，三个月后复查血脂及肝功能",
    ),
}

# Acute visits by group, and which sex a template is for ("" = both).
_ACUTE_POOLS: dict[str, tuple[tuple[str, float, str], ...]] = {
    "child": (
        ("child_fever", 5, ""),
        ("child_cough", 3, ""),
        ("child_diarrhea", 2, ""),
        ("child_checkup", 2, ""),
        ("hfmd", 1, ""),
        ("cold", 2, ""),
        ("eczema", 1, ""),
        ("conjunctivitis", 1, ""),
        ("wound", 0.5, ""),
    ),
    "adult": (
        ("cold", 5, ""),
        ("bronchitis", 2, ""),
        ("pharyngitis", 2, ""),
        ("checkup", 2, ""),
        ("gastritis", 2.5, ""),
        ("gastroenteritis", 2, ""),
        ("back_pain", 2, ""),
        ("rhinitis", 2, ""),
        ("eczema", 1.5, ""),
        ("urticaria", 1, ""),
        ("cervical", 1.5, ""),
        ("insomnia", 1, ""),
        ("headache", 1.5, ""),
        ("conjunctivitis", 0.7, ""),
        ("ulcer", 1, ""),
        ("sprain", 1, ""),
        ("wound", 0.7, ""),
        ("gout", 0.6, "M"),
        ("uti", 1.2, "F"),
        ("dysmenorrhea", 1.2, "F"),
    ),
    "elderly": (
        ("cold", 3, ""),
        ("bronchitis", 2.5, ""),
        ("checkup", 2, ""),
        ("gastritis", 2, ""),
        ("gastroenteritis", 1, ""),
        ("back_pain", 1.5, ""),
        ("cervical", 1.5, ""),
        ("insomnia", 1.5, ""),
        ("knee", 2.5, ""),
        ("dizziness", 2, ""),
        ("eczema", 1, ""),
        ("wound", 0.5, ""),
        ("uti", 0.8, "F"),
        ("gout", 0.4, "M"),
    ),
}
# Per template: the ICD-10 code of its diagnosis and the visit category
# (follow-up plans, issue 9, are chosen by category).
_CODES: dict[str, tuple[str, str]] = {
    "cold": ("J06.9", "cold"),
    "bronchitis": ("J20.9", "cold"),
    "pharyngitis": ("J02.9", "cold"),
    "checkup": ("Z00.0", "physical_exam"),
    "gastritis": ("K29.5", "other"),
    "gastroenteritis": ("A09.9", "other"),
    "back_pain": ("M54.5", "other_treatment"),
    "rhinitis": ("J30.4", "other"),
    "eczema": ("L30.9", "other"),
    "urticaria": ("L50.9", "other"),
    "cervical": ("M47.8", "other_treatment"),
    "insomnia": ("G47.0", "other"),
    "headache": ("G44.2", "other"),
    "uti": ("N30.0", "other"),
    "dysmenorrhea": ("N94.4", "other"),
    "conjunctivitis": ("H10.3", "other"),
    "ulcer": ("K12.0", "other"),
    "sprain": ("S93.4", "other_treatment"),
    "wound": ("T14.1", "outpatient_surgery"),
    "gout": ("M10.9", "other"),
    "knee": ("M17.9", "other_treatment"),
    "dizziness": ("R42", "other"),
    "child_fever": ("J06.9", "cold"),
    "hfmd": ("B08.4", "other"),
    "child_diarrhea": ("A09.9", "other"),
    "child_cough": ("J20.9", "cold"),
    "child_checkup": ("Z00.1", "physical_exam"),
    "htn_first": ("I10", "chronic"),
    "htn": ("I10", "chronic"),
    "dm": ("E11.9", "chronic"),
    "chd": ("I25.1", "chronic"),
    "copd": ("J44.9", "chronic"),
    "lipid": ("E78.5", "chronic"),
}
# A check-up that found something to follow up (category physical_exam_positive).
POSITIVE_CHECKUP_SHARE = 0.25
# Chronic conditions as entered on the problem list, and the usual medicines
# (drug, dose, frequency) a patient with each takes.
_CONDITION_ROWS = {
    HTN: ("原发性高血压", "I10"),
    DM: ("2型糖尿病", "E11.9"),
    LIPID: ("高脂血症", "E78.5"),
    CHD: ("冠状动脉粥样硬化性心脏病", "I25.1"),
    COPD: ("慢性阻塞性肺疾病", "J44.9"),
}
_CHRONIC_DRUGS: dict[str, tuple[tuple[str, str, str], ...]] = {
    HTN: (
        ("苯磺酸氨氯地平片", "5 mg", "每日一次"),
        ("缬沙坦胶囊", "80 mg", "每日一次"),
        ("硝苯地平控释片", "30 mg", "每日一次"),
    ),
    DM: (("盐酸二甲双胍片", "0.5 g", "每日三次"), ("格列美脲片", "2 mg", "每日一次")),
    LIPID: (("阿托伐他汀钙片", "20 mg", "每晚一次"), ("瑞舒伐他汀钙片", "10 mg", "每晚一次")),
    CHD: (("阿司匹林肠溶片", "100 mg", "每日一次"), ("单硝酸异山梨酯缓释片", "40 mg", "每日一次")),
    COPD: (
        ("噻托溴铵吸入粉雾剂", "18 μg", "每日一次"),
        ("布地奈德福莫特罗吸入剂", "1 吸", "每日两次"),
    ),
}
# (substance, reaction, severity); a share of all patients has one.
_ALLERGIES = (
    ("青霉素", "皮疹、瘙痒", "moderate"),
    ("青霉素", "过敏性休克", "life_threatening"),
    ("头孢类抗生素", "荨麻疹", "moderate"),
    ("磺胺类药物", "皮疹", "mild"),
    ("阿司匹林", "哮喘发作", "severe"),
    ("海鲜", "口唇肿胀", "moderate"),
    ("花粉", "打喷嚏、流涕", "mild"),
    ("碘造影剂", "恶心、皮疹", "unknown"),
)
ALLERGY_SHARE = 0.08
# Checked-up and chronic patients are weighed now and then.
WEIGH_SHARE = 0.3

_FIRST_VISIT = {HTN: "htn_first"}
_FOLLOW_UP = {HTN: "htn", DM: "dm", CHD: "chd", COPD: "copd", LIPID: "lipid"}
CHRONIC_VISIT_SHARE = 0.7


def _pool(group: str, sex: str) -> tuple[tuple[str, ...], tuple[float, ...]]:
    rows = [(key, w) for key, w, only in _ACUTE_POOLS[group] if only in ("", sex)]
    return tuple(k for k, _ in rows), tuple(itertools.accumulate(w for _, w in rows))


_POOLS = {(g, s): _pool(g, s) for g in _ACUTE_POOLS for s in ("M", "F")}

_SHORT = ("一天", "两天", "三天", "三天", "四天", "五天", "一周", "十余天")
_LONG = ("半个月", "一个月", "两个月", "三个月", "半年", "一年余", "数年")


class _Values(dict[str, str]):
    """Placeholder values, drawn only when a note's text asks for them (in text order)."""

    def __init__(self, rng: random.Random, hypertensive: bool) -> None:
        super().__init__()
        self.rng = rng
        self.hypertensive = hypertensive

    def __missing__(self, key: str) -> str:
        r = self.rng
        if key == "d":
            value = r.choice(_SHORT)
        elif key == "dl":
            value = r.choice(_LONG)
        elif key == "t":
            value = f"{r.uniform(37.6, 39.6):.1f}"
        elif key == "tn":
            value = f"{r.uniform(36.2, 37.2):.1f}"
        elif key == "bph" or (key == "bpn" and self.hypertensive):
            value = f"{r.randint(132, 168)}/{r.randint(82, 102)}"
        elif key == "bpn":
            value = f"{r.randint(102, 136)}/{r.randint(64, 86)}"
        elif key == "hr":
            value = str(r.randint(62, 96))
        elif key == "glu":
            value = f"{r.uniform(5.6, 9.8):.1f}"
        elif key == "a1c":
            value = f"{r.uniform(6.1, 8.9):.1f}"
        elif key == "spo2":
            value = str(r.randint(90, 97))
        elif key == "tc":
            value = f"{r.uniform(4.8, 7.2):.2f}"
        elif key == "ldl":
            value = f"{r.uniform(2.6, 4.9):.2f}"
        else:  # a template typo must fail loudly in tests, not write "{x}"
            raise KeyError(key)
        self[key] = value
        return value


def _visit_text(
    rng: random.Random, template: _Template, hypertensive: bool
) -> tuple[tuple[str, str, str, str], _Values]:
    """(complaint, findings, diagnosis, plan) and the values drawn for them."""
    complaint, findings, plan = (
        rng.choice(template.complaints),
        rng.choice(template.findings),
        rng.choice(template.plans),
    )
    # Filled in text order, so the draws are those of the note's one string.
    values = _Values(rng, hypertensive)
    parts = tuple(p.format_map(values) for p in (complaint, findings, template.diagnosis, plan))
    return (parts[0], parts[1], parts[2], parts[3]), values


def _number_and_index(clinic: Clinic, uow: UnitOfWork) -> None:
    """Record numbers (in registration order) and search keys for the new patients.

    The generator writes rows in bulk, below the registry service; these are
    the two things the registry would have done for each of them.
    """
    new = list(
        uow.session.execute(
            select(Patient)
            .where(Patient.record_no == "", Patient.deleted_at.is_(None))
            .order_by(Patient.created_at, Patient.id)
        ).scalars()
    )
    for patient, number in zip(
        new, patient_service.next_record_numbers(clinic, uow, len(new)), strict=True
    ):
        patient.record_no = number
    uow.session.flush()
    patient_search.index_new_patients(uow.session, new)
    uow.session.expunge_all()


# --- results --------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoSummary:
    """What ``generate_demo`` added."""

    seed: int
    staff_added: int
    patients: int
    visits: int
    first_day: date  # the generated period, in the clinic's local dates
    last_day: date
    seconds: float
    vital_signs: int = 0

    @property
    def patients_per_second(self) -> float:
        return self.patients / self.seconds if self.seconds > 0 else 0.0

    @property
    def rows_per_second(self) -> float:
        rows = self.staff_added + self.patients + self.visits
        return rows / self.seconds if self.seconds > 0 else 0.0

    @property
    def changes(self) -> Changes:
        return Changes(frozenset({Topic.STAFF, Topic.PATIENTS, Topic.CLINICAL}))


# --- the generator --------------------------------------------------------------------


def _pick(rng: random.Random, items: Sequence[str], cum: Sequence[float]) -> str:
    return items[bisect.bisect_right(cum, rng.random() * cum[-1])]


def _uuid7(rng: random.Random, moment: datetime) -> uuid.UUID:
    """A UUIDv7 whose time is the row's own time and whose random bits come from ``rng``."""
    ms = int(moment.timestamp() * 1000) & 0xFFFF_FFFF_FFFF
    bits = rng.getrandbits(74)
    return uuid.UUID(
        int=(ms << 80)
        | (0x7 << 76)
        | ((bits >> 62) << 64)
        | (0b10 << 62)
        | (bits & 0x3FFF_FFFF_FFFF_FFFF)
    )


def _phone(rng: random.Random) -> str:
    return _pick(rng, _PHONE_PREFIXES, _PHONE_CUM) + f"{rng.randrange(100_000_000):08d}"


def _poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean > 30:  # the normal approximation is close enough, and Knuth's loop slow
        return max(0, round(rng.gauss(mean, mean**0.5)))
    limit, k, p = math.exp(-mean), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


@dataclass(frozen=True)
class _Staffing:
    doctor_ids: tuple[uuid.UUID, ...]
    registrar_ids: tuple[uuid.UUID, ...]  # receptionists, who register patients
    nurse_ids: tuple[uuid.UUID, ...] = ()  # triage nurses, who take the vitals


@dataclass
class _Rows:
    """One patient's rows, by table."""

    patient: dict[str, object]
    visits: list[dict[str, object]]
    vitals: list[dict[str, object]]
    conditions: list[dict[str, object]]
    medications: list[dict[str, object]]
    allergies: list[dict[str, object]]


class _Generator:
    """Draws one patient and their visits at a time; all randomness from three RNGs.

    ``rng`` draws what the data says (names, dates, texts); ``ids`` draws only
    the random bits of ids, so a second fill of the same clinic with the same
    seed has new ids but otherwise reads the same. ``extra`` draws the
    structured record's details (vitals not in the text, conditions,
    medicines, allergies), so adding them left the names and texts unchanged.
    """

    def __init__(
        self,
        *,
        rng: random.Random,
        ids: random.Random,
        tz: ZoneInfo,
        first_day: date,
        days: int,
        anchor: date,
        staffing: _Staffing,
        visits_per_year: float,
        extra: random.Random,
    ) -> None:
        self.rng = rng
        self.extra = extra
        self.ids = ids
        self.tz = tz
        self.first_ord = first_day.toordinal()
        self.days = days
        self.anchor = anchor
        self.staffing = staffing
        self.rate_scale = visits_per_year / 4.0

    # -- time ---------------------------------------------------------------------

    def _moment(self, day_ord: int) -> datetime:
        """A time in clinic hours on that day, as UTC."""
        r = self.rng
        slot = bisect.bisect_right(_SLOT_CUM, r.random() * _SLOT_CUM[-1])
        minute = OPEN_MINUTE + slot * 30 + r.randrange(30)
        d = date.fromordinal(day_ord)
        local = datetime(
            d.year, d.month, d.day, minute // 60, minute % 60, r.randrange(60), tzinfo=self.tz
        )
        return local.astimezone(UTC)

    def _day(self, lo: int, hi: int) -> int:
        """A day ordinal in [lo, hi), weighted by weekday."""
        r = self.rng
        span = hi - lo
        while True:
            day = lo + int(r.random() * span)
            if r.random() * _WEEKDAY_MAX < _WEEKDAY_WEIGHT[(day - 1) % 7]:
                return day

    # -- people -------------------------------------------------------------------

    def _name(self, sex: str, born: int) -> tuple[str, str]:
        r = self.rng
        family = _pick(r, _SURNAMES, _SURNAME_CUM)
        if r.random() < 0.6:
            for before, male, female in _GIVEN_BY_ERA:
                if born < before:
                    return family, r.choice(male if sex == "M" else female)
        first, second = _GIVEN_PARTS[sex]
        given = r.choice(first) + r.choice(second)
        if r.random() < 0.25:  # a one-character given name
            given = given[1]
        return family, given

    def _conditions(self, age: int, sex: str) -> tuple[str, ...]:
        r = self.rng
        chance = (
            0.0
            if age < 30
            else 0.08
            if age < 40
            else 0.25
            if age < 60
            else 0.5
            if age < 80
            else 0.6
        )
        if r.random() >= chance:
            return ()
        found: list[str] = []
        for _ in range(1 if r.random() < 0.7 else 2):
            eligible = [(c, w) for c, w, lowest in _CONDITIONS if age >= lowest and c not in found]
            if not eligible:
                break
            total = sum(w for _, w in eligible) * r.random()
            for condition, weight in eligible:
                total -= weight
                if total <= 0:
                    found.append(condition)
                    break
            else:
                found.append(eligible[-1][0])
        if COPD in found and sex == "F" and r.random() < 0.5:
            found.remove(COPD)  # COPD is rarer in women here (fewer smokers)
        return tuple(found)

    def patient(self) -> _Rows:
        """One patient's rows: the patient, visits and their vitals, lists."""
        r = self.rng
        sex = "F" if r.random() < 0.53 else "M"
        lo, hi, _ = _AGE_BANDS[bisect.bisect_right(_AGE_CUM, r.random() * _AGE_CUM[-1])]
        age = r.randint(lo, hi)
        # Born so that they are exactly ``age`` on the anchor day.
        birthday = self.anchor.toordinal() - int(age * 365.25) - r.randint(20, 360)
        birth = date.fromordinal(birthday)
        family, given = self._name(sex, birth.year)
        phone = "" if r.random() < NO_PHONE_SHARE else _phone(r)
        conditions = self._conditions(age, sex)
        group = (
            "chronic"
            if conditions
            else "child"
            if age < 15
            else "elderly"
            if age >= 60
            else "adult"
        )
        acute_group = "child" if age < 15 else "elderly" if age >= 60 else "adult"
        acute_keys, acute_cum = _POOLS[(acute_group, sex)]

        first, end = self.first_ord, self.first_ord + self.days
        earliest = max(first, birthday + 14)  # newborns come at two weeks at the earliest
        if earliest >= end:
            earliest = end - 1
        established = earliest == first and r.random() < ESTABLISHED_SHARE
        start = first if established else self._day(earliest, end)
        stay = r.expovariate(1.0 / (_STAY_YEARS[group] * 365.25))
        stop = min(end, start + 1 + int(stay))
        count = _poisson(r, _RATE[group] * self.rate_scale * (stop - start) / 365.25)
        visit_days = sorted(self._day(start, stop) for _ in range(count))
        if not established:
            visit_days.insert(0, start)  # a new patient is registered at the first visit
        moments = sorted(self._moment(day) for day in visit_days)

        if moments and not established:
            registered = moments[0] - timedelta(minutes=r.randint(3, 20))
        else:  # on the books from before the period
            before = r.randint(30, 1000)
            registered = self._moment(max(birthday + 14, first - before))
        registrars = self.staffing.registrar_ids
        patient_id = _uuid7(self.ids, registered)
        patient: dict[str, object] = {
            "id": patient_id,
            "family_name": family,
            "given_name": given,
            "sex": sex,
            "birth_date": birth,
            "phone": phone,
            "created_by": r.choice(registrars) if registrars else None,
            "created_at": registered,
            "updated_at": registered,
            "deleted_at": None,
        }

        doctors = self.staffing.doctor_ids
        usual = r.randrange(len(doctors))
        hypertensive = HTN in conditions
        rows = _Rows(patient, [], [], [], [], [])
        for n, moment in enumerate(moments):
            if conditions and r.random() < CHRONIC_VISIT_SHARE:
                condition = r.choice(conditions)
                key = _FOLLOW_UP[condition]
                if n == 0 and not established:
                    key = _FIRST_VISIT.get(condition, key)
            else:
                key = _pick(r, acute_keys, acute_cum)
            doctor = doctors[usual if r.random() < 0.75 else r.randrange(len(doctors))]
            parts, values = _visit_text(r, _TEMPLATES[key], hypertensive)
            self._visit(rows, key, parts, values, moment, doctor, age, sex)
        self._record(rows, conditions, registered, moments, doctors[usual], birth)
        return rows

    # -- the structured record ----------------------------------------------------------

    def _visit(
        self,
        rows: _Rows,
        key: str,
        parts: tuple[str, str, str, str],
        values: _Values,
        moment: datetime,
        doctor: uuid.UUID,
        age: int,
        sex: str,
    ) -> None:
        x = self.extra
        code, category = _CODES[key]
        if category == "physical_exam" and x.random() < POSITIVE_CHECKUP_SHARE:
            category = "physical_exam_positive"
        visit_id = _uuid7(self.ids, moment)
        complaint, findings, diagnosis, plan = parts
        rows.visits.append(
            {
                "id": visit_id,
                "patient_id": rows.patient["id"],
                "doctor_id": doctor,
                "visit_at": moment,
                "category": category,
                "chief_complaint": complaint,
                "findings": findings,
                "diagnosis": diagnosis,
                "icd10": code,
                "plan": plan,
                "finished_at": moment + timedelta(minutes=x.randint(4, 20)),
                "author_id": doctor,
                "corrects_id": None,
                "correction_reason": "",
                "created_at": moment,
                "updated_at": moment,
                "deleted_at": None,
            }
        )
        # The measurements the findings mention, as numbers, plus a weighing.
        vit: dict[str, object] = {}
        if "t" in values or "tn" in values:
            vit["temperature_c"] = float(values.get("t") or values["tn"])
        pressure = values.get("bph") or values.get("bpn")
        if pressure:
            high, low = pressure.split("/")
            vit["systolic"], vit["diastolic"] = int(high), int(low)
        if "hr" in values:
            vit["pulse"] = int(values["hr"])
        if "spo2" in values:
            vit["spo2"] = int(values["spo2"])
        if "glu" in values:
            vit["glucose_mmol"] = float(values["glu"])
        if category.startswith("physical_exam") or (
            category == "chronic" and x.random() < WEIGH_SHARE
        ):
            vit["weight_kg"], vit["height_cm"] = _body_size(x, age, sex)
        if not vit:
            return
        taken = moment - timedelta(minutes=x.randint(2, 15))
        nurses = self.staffing.nurse_ids
        rows.vitals.append(
            {
                "id": _uuid7(self.ids, taken),
                "patient_id": rows.patient["id"],
                "visit_id": visit_id,
                "taken_at": taken,
                **{name: vit.get(name) for name in _VITAL_FIELDS},
                "confirmed_unusual": "",
                "recorded_by": x.choice(nurses) if nurses else doctor,
                "corrects_id": None,
                "correction_reason": "",
                "created_at": taken,
                "updated_at": taken,
                "deleted_at": None,
            }
        )

    def _record(
        self,
        rows: _Rows,
        conditions: tuple[str, ...],
        registered: datetime,
        moments: list[datetime],
        doctor: uuid.UUID,
        birth: date,
    ) -> None:
        """Conditions and medicines of a chronic patient, and maybe an allergy."""
        x = self.extra
        at = moments[0] if moments else registered
        common: dict[str, object] = {
            "patient_id": rows.patient["id"],
            "recorded_by": doctor,
            "ended_at": None,
            "ended_by": None,
            "end_reason": "",
            "created_at": at,
            "updated_at": at,
            "deleted_at": None,
        }
        local_day = at.astimezone(self.tz).date()
        for condition in conditions:
            name, code = _CONDITION_ROWS[condition]
            earliest = max(birth.toordinal() + 25 * 365, local_day.toordinal() - 3650)
            since = date.fromordinal(
                x.randint(min(earliest, local_day.toordinal()), local_day.toordinal())
            )
            rows.conditions.append(
                {
                    "id": _uuid7(self.ids, at),
                    "name": name,
                    "icd10": code,
                    "since": since,
                    **common,
                }
            )
            drug, dose, frequency = x.choice(_CHRONIC_DRUGS[condition])
            rows.medications.append(
                {
                    "id": _uuid7(self.ids, at),
                    "drug": drug,
                    "dose": dose,
                    "frequency": frequency,
                    "source": x.choice(("patient", "hospital")),
                    "since": since,
                    "prescription_id": None,
                    **common,
                }
            )
        if x.random() < ALLERGY_SHARE:
            substance, reaction, severity = x.choice(_ALLERGIES)
            rows.allergies.append(
                {
                    "id": _uuid7(self.ids, at),
                    "substance": substance,
                    "reaction": reaction,
                    "severity": severity,
                    **common,
                }
            )


_VITAL_FIELDS = (
    "systolic",
    "diastolic",
    "pulse",
    "temperature_c",
    "weight_kg",
    "height_cm",
    "spo2",
    "respiration",
    "glucose_mmol",
)


def _body_size(rng: random.Random, age: int, sex: str) -> tuple[float, float]:
    """A plausible (weight kg, height cm) for the age and sex."""
    if age < 2:
        height, weight = 55 + 25 * age + rng.uniform(-3, 3), 4.5 + 5 * age + rng.uniform(-1, 1)
    elif age < 15:
        height = 80 + 6 * age + rng.uniform(-6, 6)
        weight = 8 + 2.6 * age + rng.uniform(-3, 4)
    else:
        height = rng.gauss(170 if sex == "M" else 158, 6)
        weight = rng.gauss(23.5, 3) * (height / 100) ** 2
    return round(weight, 1), round(height, 1)


def _stored_form(column_type: object) -> Callable[[Any], Any] | None:
    """How SQLAlchemy's SQLite types store a value (None: as it is)."""
    if isinstance(column_type, Uuid):
        return lambda v: None if v is None else v.hex
    if isinstance(column_type, UTCDateTime):
        return lambda v: None if v is None else v.astimezone(UTC).strftime(_STORED_MOMENT)
    if isinstance(column_type, Date):
        return lambda v: None if v is None else v.isoformat()
    return None


_STORED_MOMENT = "%Y-%m-%d %H:%M:%S.%f"  # SQLite DATETIME text, naive UTC


def _insert_rows(session: Session, model: Any, rows: list[dict[str, object]]) -> None:
    """One executemany of plain rows, their values already in stored form.

    The ORM's bulk insert splits a batch wherever the None columns differ (the
    vitals) and runs each value through its type, which made the demo three
    times slower once visits and vitals were added; the rows here are all
    generated by this module, so their types are known.
    """
    table = model.__table__
    names = list(rows[0])
    forms = [_stored_form(table.c[name].type) for name in names]
    sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})"
    values = operator.itemgetter(*names)
    session.connection().exec_driver_sql(
        sql,
        [
            tuple(
                value if form is None else form(value)
                for form, value in zip(forms, values(row), strict=True)
            )
            for row in rows
        ],
    )


# --- the service ----------------------------------------------------------------------


def _check_args(patients: int, years: float, visits_per_year: float) -> None:
    if not 0 <= patients <= MAX_PATIENTS:
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "The number of demo patients must be between 0 and {n}."),
            n=MAX_PATIENTS,
        )
    if not 0 < years <= MAX_YEARS:
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors", "The demo period must be more than 0 and at most {n} years."
            ),
            n=int(MAX_YEARS),
        )
    if not 0 <= visits_per_year <= 100:
        raise ValidationError(
            QT_TRANSLATE_NOOP("Errors", "The demo visits per year must be between 0 and {n}."),
            n=100,
        )


def generate_demo(
    clinic: Clinic,
    actor: Actor,
    *,
    patients: int,
    years: float,
    seed: int,
    state: TaskState | None = None,
    anchor: date | None = None,
    visits_per_year: float = 4.0,
) -> DemoSummary:
    """Add demo staff, ``patients`` patients and ``years`` of their visits before ``anchor``.

    Staff: 8 doctors, 2 triage nurses, 2 receptionists, a pharmacist, a health
    manager and 2 customer-service staff, each added unless their login is
    taken; password ``demo-pass-1``. Visits fall on the clinic's local days
    ``anchor - years`` up to the day before ``anchor`` (default 2026-11-01),
    in clinic hours 08:00-17:30, busier on weekday mornings; each is a
    visit by a doctor (a patient mostly sees the same one) with its note, and
    vitals when it measured something.
    ``visits_per_year`` is the mean rate while someone is the clinic's patient
    (chronic patients more, one-off patients come and go).

    Everything is one transaction: cancelling through ``state`` (or any
    failure) leaves the clinic exactly as it was, and ``Cancelled`` is raised.
    """
    clinic.require(actor, Action.STAFF_MANAGE)
    _check_args(patients, years, visits_per_year)
    started = time.perf_counter()
    anchor = anchor or DEFAULT_ANCHOR
    days = max(1, round(years * 365.25))
    first_day = anchor - timedelta(days=days)
    tz = clinic.timezone()

    def progress(fraction: float, message: str) -> None:
        if state is not None:
            state.progress(fraction, message)

    # One write transaction for everything. SQLite keeps a big transaction
    # cheap (the WAL grows, one fsync at commit), and it makes cancelling
    # trivial and safe: nothing is ever half-written, and no clean-up pass has
    # to find and delete rows. The cost is that other writers wait for the
    # generation (under a second for a demo, ~15 s for 60,000 patients and
    # 260,000 visits), which is acceptable for a demo or benchmark clinic.
    with clinic.store.unit_of_work(write=True) as uow:
        session = uow.session
        existing_patients = int(uow.scalar(select(func.count()).select_from(Patient)))
        existing_visits = int(uow.scalar(select(func.count()).select_from(Visit)))
        ids = random.Random(f"clinicdesk-demo-ids:{seed}:{existing_patients}:{existing_visits}")

        staff_added = _add_staff(session, seed, ids, tz, first_day)
        staffing = _staffing(session)
        gen = _Generator(
            rng=random.Random(seed),
            ids=ids,
            tz=tz,
            first_day=first_day,
            days=days,
            anchor=anchor,
            staffing=staffing,
            visits_per_year=visits_per_year,
            extra=random.Random(f"clinicdesk-demo-record:{seed}"),
        )
        # In foreign-key order: patients, then visits, then what points at them.
        pending: dict[type, list[dict[str, object]]] = {
            model: []
            for model in (
                Patient,
                Visit,
                VitalSigns,
                Condition,
                Medication,
                Allergy,
            )
        }
        visits = vital_signs = 0

        def flush() -> None:
            for model, rows in pending.items():
                if rows:
                    _insert_rows(session, model, rows)
                    rows.clear()

        for made in range(1, patients + 1):
            made_rows = gen.patient()
            pending[Patient].append(made_rows.patient)
            pending[Visit].extend(made_rows.visits)
            pending[VitalSigns].extend(made_rows.vitals)
            pending[Condition].extend(made_rows.conditions)
            pending[Medication].extend(made_rows.medications)
            pending[Allergy].extend(made_rows.allergies)
            visits += len(made_rows.visits)
            vital_signs += len(made_rows.vitals)
            if max(len(rows) for rows in pending.values()) >= BATCH_ROWS:
                flush()
            if made % PATIENT_CHUNK == 0:
                progress(
                    0.97 * made / patients,
                    f"Generated {made:,} of {patients:,} patients and {visits:,} visits",
                )
        flush()
        progress(0.975, "Numbering records and indexing names for search")
        _number_and_index(clinic, uow)
        # The last chance to cancel: after the commit there is nothing to undo.
        progress(0.98, "Saving the demo data")
        last_day = anchor - timedelta(days=1)
        clinic.audit(
            uow,
            actor,
            audit.AuditEvent(
                action="demo.generate",
                object_type="clinic",
                object_id=clinic.clinic_id,
                detail=json.dumps(
                    {
                        "seed": seed,
                        "staff_added": staff_added,
                        "patients": patients,
                        "visits": visits,
                        "vital_signs": vital_signs,
                        "first_day": first_day.isoformat(),
                        "last_day": last_day.isoformat(),
                        "visits_per_year": visits_per_year,
                    }
                ),
            ),
        )
        uow.commit()
    return DemoSummary(
        seed=seed,
        staff_added=staff_added,
        patients=patients,
        visits=visits,
        first_day=first_day,
        last_day=last_day,
        seconds=time.perf_counter() - started,
        vital_signs=vital_signs,
    )


def _add_staff(
    session: Session, seed: int, ids: random.Random, tz: ZoneInfo, first_day: date
) -> int:
    taken = set(session.execute(select(Staff.login)).scalars())
    wanted = [s for s in DEMO_STAFF if s[0] not in taken]
    if not wanted:
        return 0
    rng = random.Random(f"clinicdesk-demo-staff:{seed}")
    password_hash = hash_password(DEMO_PASSWORD)  # once: Argon2 per account is slow
    joined = datetime(first_day.year, first_day.month, first_day.day, 8, 0, tzinfo=tz).astimezone(
        UTC
    ) - timedelta(days=30)
    rows = [
        {
            "id": _uuid7(ids, joined + timedelta(seconds=i)),
            "login": login,
            "display_name": name,
            "role": role.value,
            "phone": _phone(rng),
            "password_hash": password_hash,
            "must_change_password": False,
            "password_changed_at": joined,
            "disabled_at": None,
            "lockout_cleared_at": None,
            "created_at": joined,
            "updated_at": joined,
            "deleted_at": None,
        }
        for i, (login, name, role) in enumerate(wanted)
    ]
    session.execute(insert(Staff), rows)
    return len(rows)


def _staffing(session: Session) -> _Staffing:
    active = (Staff.deleted_at.is_(None), Staff.disabled_at.is_(None))
    doctors = tuple(
        session.execute(
            select(Staff.id).where(Staff.role == Role.DOCTOR.value, *active).order_by(Staff.login)
        ).scalars()
    )
    registrars = tuple(
        session.execute(
            select(Staff.id)
            .where(Staff.role == Role.RECEPTIONIST.value, *active)
            .order_by(Staff.login)
        ).scalars()
    )
    nurses = tuple(
        session.execute(
            select(Staff.id)
            .where(Staff.role == Role.TRIAGE_NURSE.value, *active)
            .order_by(Staff.login)
        ).scalars()
    )
    if not doctors:  # every demo doctor's login was taken by someone in another role
        raise ValidationError(
            QT_TRANSLATE_NOOP(
                "Errors",
                "The clinic has no active doctor to write the demo visits. Add a doctor first.",
            )
        )
    return _Staffing(doctors, registrars, nurses)


# --- a whole demo clinic --------------------------------------------------------------


def build_demo_clinic(
    data_dir: Path,
    *,
    seed: int = 1,
    patients: int = 300,
    years: float = 0.5,
    kdf: KdfParams | None = None,
    anchor: date | None = None,
    state: TaskState | None = None,
    clock: Clock = system_clock,
    extras: bool = True,
) -> tuple[Clinic, DemoSummary]:
    """Set up the demo clinic in an empty ``data_dir``, open it and fill it.

    The key stays out of the OS keyring (a demo must leave nothing behind);
    the clinic opens with ``DEMO_PASSPHRASE``. The caller closes the clinic.
    ``extras=False`` leaves out the calendar, follow-ups, quality and membership
    made through the services (``demo_dataset``'s bulk steps make them instead).
    """
    from clinic_desk.core.services.clinic import open_clinic, setup_clinic

    setup_clinic(
        data_dir,
        clinic_name=DEMO_CLINIC_NAME,
        director_login=DEMO_DIRECTOR_LOGIN,
        director_name=DEMO_DIRECTOR_NAME,
        director_password=DEMO_PASSWORD,
        passphrase=DEMO_PASSPHRASE,
        address=DEMO_ADDRESS,
        phone=DEMO_PHONE,
        kdf=kdf or KdfParams.floor(),
        use_keyring=False,
        clock=clock,
    )
    clinic = open_clinic(data_dir, passphrase=DEMO_PASSPHRASE, use_keyring=False, clock=clock)
    try:
        summary = generate_demo(
            clinic,
            Actor.system("demo"),
            patients=patients,
            years=years,
            seed=seed,
            state=state,
            anchor=anchor,
        )
        if extras:
            _demo_calendar(clinic, seed)
            _demo_followups(clinic, seed)
            _demo_quality(clinic, seed)
            _demo_membership(clinic, seed)
    except BaseException:
        clinic.close()
        raise
    return clinic, summary


DEMO_FIRST_VISIT_INFO = (
    "地址：北京市朝阳区建国路 88 号仁和大厦一层（地铁 1 号线国贸站 C 口步行 5 分钟）。"
    "停车：大厦地下停车场，就诊可免费停车 2 小时。"
    "请携带：身份证、医保卡、既往病历和检查报告、正在服用的药物。"
)


def _demo_calendar(clinic: Clinic, seed: int) -> None:
    """Rosters and a few days of bookings, so the demo's calendar has something to show.

    Through the services, as the desk would: weekly hours Mon-Sat 08:00-12:00 and
    13:30-17:30 (Saturday mornings only for half the doctors), and about five
    bookings per doctor per working day for today and the next three days; those
    due within the hour around now are checked in, so the desk's board has people
    waiting (issue 6).
    """
    from clinic_desk.core.services import appointments, rosters
    from clinic_desk.core.services import settings as settings_service

    system = Actor.system("demo")
    settings_service.update_settings(
        clinic, system, {"clinic.first_visit_info": DEMO_FIRST_VISIT_INFO}
    )
    rng = random.Random(f"clinicdesk-demo-calendar:{seed}")
    doctors = [d for d in rosters.list_doctors(clinic, system) if d.role == Role.DOCTOR]
    for n, doctor in enumerate(doctors):
        blocks = [rosters.RosterBlock(day, 8 * 60, 12 * 60) for day in range(6)]
        blocks += [rosters.RosterBlock(day, 13 * 60 + 30, 17 * 60 + 30) for day in range(5)]
        if n % 2:
            blocks = [b for b in blocks if b.weekday != 5]
        rosters.set_weekly_roster(clinic, system, doctor.id, blocks)
    with clinic.store.unit_of_work(write=False) as uow:
        patient_ids = list(
            uow.session.execute(
                select(Patient.id).where(Patient.deleted_at.is_(None)).order_by(Patient.id)
            ).scalars()
        )
    if not patient_ids or not doctors:
        return
    zone = clinic.timezone()
    today = clinic.today()
    types = rosters.list_appointment_types(clinic, system)
    channels = list(appointments.CHANNELS)
    today_bookings: list[appointments.AppointmentView] = []
    for ahead in range(0, 4):
        day = today + timedelta(days=ahead)
        for doctor in doctors:
            for start in sorted(rng.sample(range(8 * 4, 17 * 4 + 2), 12))[:5]:
                kind = rng.choice(types) if types else None
                try:
                    booked = appointments.book(
                        clinic,
                        system,
                        patient_id=rng.choice(patient_ids),
                        doctor_id=doctor.id,
                        starts_at=datetime.combine(day, clock_time(0), zone)
                        + timedelta(minutes=start * 15),
                        minutes=kind.default_minutes if kind else 15,
                        type_id=kind.id if kind else None,
                        channel=rng.choice(channels),
                        identity_checked=True,
                        confirm=appointments.CONFIRM_REASONS,
                        override_reason="demo data",
                    ).value
                except ClinicError:
                    continue  # outside hours on a short day, or the patient is busy then
                if ahead == 0:
                    today_bookings.append(booked)
    _demo_reception(clinic, today_bookings)


def _demo_reception(clinic: Clinic, bookings: list[Any]) -> None:
    """Check in today's bookings due within the hour around now (the board's waiting list)."""
    from clinic_desk.core.services import reception

    system = Actor.system("demo")
    now = clinic.now()
    for booked in sorted(bookings, key=lambda b: b.starts_at):
        if abs((booked.starts_at - now).total_seconds()) <= 3600:
            try:
                reception.check_in(clinic, system, booked.id, identity_checked=True)
            except ClinicError:
                continue  # the same patient twice today: once is enough for the demo


DEMO_FOLLOWUP_DAYS = 45


def _demo_followups(clinic: Clinic, seed: int) -> None:
    """Follow-ups (issue 9): the plans of the last weeks' finished visits, most past
    calls made on their day by whoever the plan names, the rest overdue or due today,
    then today's confirmation calls and reminders (``prepare_worklist``)."""
    from clinic_desk.core.services import followups, outbox

    system = Actor.system("demo")
    rng = random.Random(f"clinicdesk-demo-followups:{seed}")
    today = clinic.today()
    since = datetime.combine(
        today - timedelta(days=DEMO_FOLLOWUP_DAYS), clock_time(0), clinic.timezone()
    )
    with clinic.store.unit_of_work(write=True) as uow:
        visits = list(
            uow.session.execute(
                select(Visit)
                .where(
                    Visit.visit_at >= since,
                    Visit.finished_at.is_not(None),
                    Visit.deleted_at.is_(None),
                )
                .order_by(Visit.visit_at)
            ).scalars()
        )
        for visit in visits:
            followups.visit_finished_in(clinic, uow, system, visit)
        uow.commit()
        people = {
            row.id: Actor(row.id, row.login, row.display_name, row.role)
            for row in uow.session.execute(
                select(Staff).where(Staff.deleted_at.is_(None))
            ).scalars()
        }
    by_role: dict[str, list[Actor]] = {}
    for person in people.values():
        by_role.setdefault(str(person.role), []).append(person)
    role_of_caller = {
        "customer_service": Role.CUSTOMER_SERVICE.value,
        "nurse": Role.TRIAGE_NURSE.value,
        "health_manager": Role.HEALTH_MANAGER.value,
    }
    due = [
        t
        for t in followups.worklist(clinic, system, today, who="all").items
        if t.due_by < today and t.channel in ("phone", "message")
    ]
    real_clock = clinic.clock
    try:
        for item in due:
            if rng.random() < 0.12:
                continue  # left overdue: the worklist shows some red
            caller = people.get(item.assignee_id) if item.assignee_id else None
            if caller is None:
                pool = by_role.get(role_of_caller.get(item.caller_role, ""), [])
                if not pool:
                    continue
                caller = rng.choice(pool)
            moment = datetime.combine(item.due_from, clock_time(9), clinic.timezone()) + timedelta(
                minutes=rng.randrange(0, 8 * 60)
            )
            clinic.clock = _fixed_clock(moment.astimezone(UTC))
            reached = rng.random() < 0.85
            if item.channel == "message":
                # The after-visit advice: queued in the outbox (left for the SMS batch).
                try:
                    outbox.queue_message(
                        clinic, caller, item.patient_id, template_code="followup_advice"
                    )
                except ClinicError:
                    continue  # no mobile or e-mail: stays on the list for a call
                reached = True
            spoke = reached and item.channel == "phone"
            entry = followups.CallEntry(
                outcome="reached" if reached else "no_answer",
                channel=item.channel,
                recovery=rng.choice(followups.RECOVERY[:3]) if spoke else "",
                adherence=rng.choice(followups.ADHERENCE[:2]) if spoke else "",
                satisfaction=(
                    {k: rng.choice((4, 5, 5, 5, 3)) for k in followups.SATISFACTION_KEYS}
                    if spoke and rng.random() < 0.7
                    else {}
                ),
                previous_levels="yes" if reached and item.level == 3 else "",
                notes="" if reached else "无人接听",
            )
            try:
                followups.log_call(clinic, caller, item.id, entry)
            except ClinicError:
                continue  # the demo's data does not fit this call: leave it on the list
    finally:
        clinic.clock = real_clock
    followups.prepare_worklist(clinic, system)


DEMO_QUALITY_WEEKS = 6
# (days ago received, hour, channel, department, content, how far it got, serious)
_DEMO_COMPLAINTS: tuple[tuple[float, int, str, str, str, str, bool], ...] = (
    (
        38,
        10,
        "in_person",
        "挂号处",
        "挂号排队四十分钟，窗口只开了一个，工作人员还让我去别处问。",
        "closed_case",
        False,
    ),
    (
        30,
        15,
        "phone",
        "药房",
        "药师没有讲清楚降压药饭前还是饭后吃，回家后吃错了两天。",
        "closed",
        False,
    ),
    (23, 9, "website", "内科", "预约了九点，十点半才叫号，也没有人解释为什么。", "closed", False),
    (5, 11, "letter", "收费处", "收费单上多收了一项检查费，希望核实退还。", "rectifying", False),
    (1, 14, "phone", "内科", "医生看诊时一直在看手机，问诊不到三分钟。", "answered", False),
    (
        3,
        16,
        "in_person",
        "候诊区",
        "候诊区空调太冷，老人孩子都在发抖，反映了两次没人管。",
        "accepted",
        False,
    ),
    (1, 10, "phone", "外科", "换药后伤口红肿流脓，打电话问诊所却被推给医院。", "received", True),
    # Received within the hour: on time still (hours ago instead of days).
    (-0.5, 0, "website", "挂号处", "网上预约成功了，到了前台却说没有我的号。", "received", False),
)


def _demo_quality(clinic: Clinic, seed: int) -> None:
    """Complaints in every stage (one serious, escalated and not yet seen by the director,
    one overdue), a suggestion-box opening, root causes, the last weeks' survey samples
    with returned forms (this week's to be called), and the staff's self-checks."""
    from clinic_desk.core.services import complaints, surveys

    rng = random.Random(f"clinicdesk-demo-quality:{seed}")
    zone = clinic.timezone()
    today = clinic.today()
    with clinic.store.unit_of_work(write=False) as uow:
        people = [
            Actor(row.id, row.login, row.display_name, row.role)
            for row in uow.session.execute(
                select(Staff).where(Staff.deleted_at.is_(None)).order_by(Staff.login)
            ).scalars()
        ]
    by_role: dict[str, list[Actor]] = {}
    for person in people:
        by_role.setdefault(str(person.role), []).append(person)
    director = by_role[Role.DIRECTOR.value][0]
    service = (by_role.get(Role.CUSTOMER_SERVICE.value) or [director])[0]
    desk = (by_role.get(Role.RECEPTIONIST.value) or [service])[0]
    real_clock = clinic.clock

    def at(day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, clock_time(hour, minute), zone).astimezone(UTC)

    def when(moment: datetime) -> None:
        clinic.clock = _fixed_clock(moment)

    try:
        for ago, hour, channel, department, content, reached, serious in _DEMO_COMPLAINTS:
            if ago < 0:
                received = real_clock() + timedelta(hours=ago)
            else:
                received = at(today - timedelta(days=int(ago)), hour, rng.randrange(0, 50))
            if received > real_clock():
                received = real_clock() - timedelta(minutes=30)
            when(received)
            receiver = desk if channel == "in_person" else service
            view = complaints.record_complaint(
                clinic,
                receiver,
                complaints.ComplaintInput(
                    channel=channel,
                    content=content,
                    complainant=rng.choice(("王女士", "李先生", "张阿姨", "刘先生", "陈女士")),
                    contact=f"+86 138 {rng.randrange(1000, 9999)} {rng.randrange(1000, 9999)}",
                    department=department,
                    severity="serious" if serious else "normal",
                    received_at=received,
                ),
            ).value
            cid = view.id
            if reached == "received":
                continue
            if receiver is desk:  # the desk hands it to customer service (F3)
                when(received + timedelta(minutes=15))
                complaints.hand_over(
                    clinic,
                    desk,
                    cid,
                    to_staff_id=service.staff_id,  # type: ignore[arg-type]
                    reason="转客服部跟进处理",
                )
            when(received + timedelta(minutes=40))
            complaints.accept(clinic, service, cid)
            if reached == "accepted":
                continue
            when(received + timedelta(hours=1, minutes=30))
            complaints.record_contact(
                clinic, service, cid, note="已电话联系投诉人，致歉并了解经过。"
            )
            when(received + timedelta(hours=6))
            complaints.record_answer(
                clinic, service, cid, response="已核实情况，向投诉人说明原因并致歉。"
            )
            if reached == "answered":
                continue
            when(received + timedelta(hours=20))
            complaints.record_solution(
                clinic, service, cid, solution="调整排班并对相关人员进行服务规范培训。"
            )
            due = (received + timedelta(days=10)).astimezone(zone).date()
            complaints.set_rectification(
                clinic,
                service,
                cid,
                action="科室内部整改：明确岗位职责，一周内完成培训。",
                owner_id=director.staff_id,  # type: ignore[arg-type]
                due=max(due, today + timedelta(days=1)) if reached == "rectifying" else due,
            )
            if reached == "rectifying":
                continue
            when(received + timedelta(days=3))
            complaints.record_rectified(clinic, director, cid, note="培训已完成，流程已张贴。")
            when(received + timedelta(days=3, hours=2))
            complaints.record_reply(
                clinic, service, cid, channel="phone", text="电话告知整改结果，投诉人表示满意。"
            )
            complaints.close(clinic, service, cid)
            if reached == "closed_case":
                complaints.add_training_case(
                    clinic,
                    service,
                    cid,
                    title="挂号高峰只开一个窗口",
                    summary="早高峰挂号排队时间过长，工作人员让患者去别处询问，引起不满。",
                    lessons="高峰时段开足窗口；首问负责，不推诿，主动带领患者办理。",
                    department=department,
                )
                when(received + timedelta(hours=2))
                rc = complaints.start_root_cause(
                    clinic,
                    service,
                    problem="早高峰挂号排队过长",
                    complaint_id=cid,
                    department=department,
                ).value
                complaints.save_root_cause(
                    clinic,
                    service,
                    rc.id,
                    whys=(
                        "为什么排队长？只开了一个挂号窗口。",
                        "为什么只开一个？另一位挂号员被临时调去收费。",
                        "为什么被调走？收费处早班缺人。",
                        "为什么缺人？排班没有考虑周一早高峰。",
                    ),
                    root_cause="排班未按高峰时段配置人手。",
                    actions="周一、周五早班增加一名挂号员；高峰时段导诊员协助分流。",
                    done=True,
                )
        # The weekly suggestion box (F1), opened last Monday.
        monday = today - timedelta(days=today.weekday() or 7)
        when(at(monday, 9, 30))
        box = complaints.record_suggestion_box(
            clinic,
            service,
            monday,
            [
                complaints.ComplaintInput(
                    channel="suggestion_box", content="建议候诊区增加老花镜和饮水杯。"
                ),
                complaints.ComplaintInput(
                    channel="suggestion_box",
                    content="厕所地面太滑，差点摔倒。",
                    department="后勤",
                ),
            ],
        )
        for note in box.value:  # customer service accepts the notes as they are read
            complaints.accept(clinic, service, note.id)
        when(at(today - timedelta(days=1), 17))
        complaints.start_root_cause(
            clinic, service, problem="本周下午候诊时间普遍超过 30 分钟", department="内科"
        )
        # Surveys (G1): the finished weeks' samples on paper, most forms returned; last
        # week's sample is for customer service to call (on today's worklist).
        questionnaire = surveys.questionnaires(clinic, director)[0]
        scale = [i.key for i in questionnaire.items if i.kind == "scale"]
        this_monday = today - timedelta(days=today.weekday())
        for back in range(DEMO_QUALITY_WEEKS, 0, -1):
            week = this_monday - timedelta(weeks=back)
            when(at(week + timedelta(days=7), 9))
            mode = "call" if back == 1 else "form"
            drawn = surveys.draw_week(clinic, director, week, mode=mode).value.drawn
            if mode == "call":
                continue
            for sample in drawn:
                if rng.random() < 0.2:
                    continue  # form not returned
                when(at(week + timedelta(days=rng.randrange(7, 11)), 11))
                answers = [
                    surveys.AnswerInput(key, score=rng.choice((5, 5, 5, 4, 4, 3, 2)))
                    for key in scale
                ]
                surveys.record_response(
                    clinic,
                    service,
                    questionnaire_id=questionnaire.id,
                    answers=answers,
                    sample_id=sample.id,
                )
        # Daily self-checks (G4) of the last month, a few missed.
        for back in range(31, 0, -1):
            day = today - timedelta(days=back)
            for person in people:
                if rng.random() < 0.12:
                    continue
                when(at(day, 17, rng.randrange(0, 59)))
                items, _done = surveys.my_self_check(clinic, person, day)
                if not items:
                    continue
                ticks = [(item, rng.random() > 0.05, "") for item in items]
                ticks = [(t, ok, "" if ok else "今日未能完成，明天补上。") for t, ok, _n in ticks]
                try:
                    surveys.submit_self_check(clinic, person, answers=ticks, day=day)
                except ClinicError:
                    continue  # a closed day for this person: nothing to check
    finally:
        clinic.clock = real_clock


DEMO_HOME_VISIT = "家庭医生上门"
_DEMO_METHODS = ("wechat", "wechat", "alipay", "card", "cash")


def _demo_membership(clinic: Clinic, seed: int) -> None:
    """Membership (issue 11): the three seed tiers with about 25 memberships over the
    demo's patients, each enrolled at the desk on its own day with its payment and
    receipt number: basic singles, advanced families (payer, spouse, child) using their
    home visits, two premium ones with a care team (a demo doctor and an outside
    nutritionist and trainer), one suspended, one renewed early, one upgraded, two ending
    within the renewal window (renewals due for the director, renewal calls on customer
    service's worklist), a few lapsed last month, and one family overdrawn as two desks
    offline leave it (for the director to review). A "家庭医生上门" appointment type
    books against the home-visit allowance, and tomorrow has one such visit booked; the
    annual plan's past check-in calls are made, a few left overdue."""
    from clinic_desk.core.services import appointments, followups, membership, rosters

    rng = random.Random(f"clinicdesk-demo-membership:{seed}")
    zone = clinic.timezone()
    today = clinic.today()
    system = Actor.system("demo")
    with clinic.store.unit_of_work(write=False) as uow:
        people = [
            Actor(row.id, row.login, row.display_name, row.role)
            for row in uow.session.execute(
                select(Staff).where(Staff.deleted_at.is_(None)).order_by(Staff.login)
            ).scalars()
        ]
        pool = list(
            uow.session.execute(
                select(Patient.id, Patient.family_name, Patient.given_name, Patient.sex,
                       Patient.birth_date)
                .where(Patient.deleted_at.is_(None), Patient.merged_into.is_(None),
                       Patient.deceased_on.is_(None), Patient.birth_date.is_not(None))
                .order_by(Patient.id)
            )
        )  # fmt: skip
    by_role: dict[str, list[Actor]] = {}
    for person in people:
        by_role.setdefault(str(person.role), []).append(person)
    director = by_role[Role.DIRECTOR.value][0]
    desks = by_role.get(Role.RECEPTIONIST.value) or [director]
    desk, other_desk = desks[0], desks[-1]
    doctors = by_role.get(Role.DOCTOR.value, [])
    tiers = {t.code: t for t in membership.list_tiers(clinic, director)}
    if not {"basic", "advanced", "premium"} <= tiers.keys():
        return  # the director changed the seed tiers: nothing to show them with
    if not any(
        t.name == DEMO_HOME_VISIT
        for t in rosters.list_appointment_types(clinic, system, include_inactive=True)
    ):
        rosters.add_appointment_type(
            clinic, system, name=DEMO_HOME_VISIT, default_minutes=60, color="#2e7d32",
            benefit_key="home_visits",
        )  # fmt: skip
    rng.shuffle(pool)
    taken: set[uuid.UUID] = set()
    receipts = itertools.count(1)
    real_clock = clinic.clock

    def age(p: Any) -> int:
        born: date = p.birth_date
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))

    def take(fits: Callable[[Any], bool]) -> Any | None:
        for p in pool:
            if p.id not in taken and fits(p):
                taken.add(p.id)
                return p
        return None

    def adult(p: Any) -> bool:
        return 28 <= age(p) <= 72

    def family_of(payer: Any, size: int) -> list[tuple[Any, str]]:
        """A spouse (of the other sex, of about the payer's age) and children 20-40
        years younger, of the payer's family name when there is one."""
        found: list[tuple[Any, str]] = []
        spouse = take(lambda p: p.sex != payer.sex and adult(p) and abs(age(p) - age(payer)) <= 8)
        if spouse is not None:
            found.append((spouse, "spouse"))
        while len(found) < size:
            younger = [
                lambda p: p.family_name == payer.family_name and 20 <= age(payer) - age(p) <= 40,
                lambda p: 20 <= age(payer) - age(p) <= 40,
            ]
            child = take(younger[0]) or take(younger[1])
            if child is None:
                break
            found.append((child, "child"))
        return found

    def at(day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, clock_time(hour, minute), zone).astimezone(UTC)

    def when(day: date, hour: int) -> None:
        clinic.clock = _fixed_clock(at(day, hour, rng.randrange(0, 50)))

    def payment(tier: Any, day: date) -> Any:
        return membership.PaymentInput(
            amount_cents=tier.price_cents,
            paid_on=day,
            method=rng.choice(_DEMO_METHODS),
            receipt_no=f"HY{day:%Y%m%d}{next(receipts):03d}",
        )

    def enrol(code: str, ago: int, *, family: int = 0, note: str = "") -> Any | None:
        """A membership enrolled at the desk ``ago`` days ago (paid the same day)."""
        payer = take(adult)
        if payer is None:
            return None  # a small demo: not enough patients for every example
        others = family_of(payer, family) if family else []
        day = today - timedelta(days=ago)
        when(day, rng.randrange(9, 17))
        tier = tiers[code]
        try:
            return membership.enrol(
                clinic,
                desk,
                membership.EnrolInput(
                    tier_id=tier.id,
                    payer_id=payer.id,
                    members=tuple(membership.MemberInput(p.id, rel) for p, rel in others),
                    payment=payment(tier, day),
                    note=note,
                ),
            ).value
        except ClinicError:
            return None

    def visits(view: Any, *agos: int) -> None:
        """Home visits used ``agos`` days ago, by the family's members in turn."""
        for n, ago in enumerate(sorted(agos, reverse=True)):
            if ago <= 0:
                continue
            when(today - timedelta(days=ago), 14)
            member = view.members[n % len(view.members)]
            membership.record_use(
                clinic, desk, view.id, member.patient_id, "home_visits", note="家庭医生上门随访"
            )

    try:
        for ago in sorted(rng.sample(range(15, 320), 10), reverse=True):  # basic singles
            enrol("basic", ago)
        # Lapsed last month: a year ran out and they have not renewed (yet).
        for ago, code in ((365 + 12, "basic"), (365 + 19, "advanced"), (365 + 26, "basic")):
            lapsed = enrol(code, ago, note="到期未续费，客服跟进中")
            if lapsed is not None and code == "advanced":
                visits(lapsed, ago - 40, ago - 150)
        # Two ending within the renewal window.
        enrol("basic", 347)
        due = enrol("advanced", 356, family=2, note="一家三口")
        if due is not None:
            visits(due, 300, 210, 65)
        # Advanced families using their home visits, and one overdrawn.
        families = [enrol("advanced", ago, family=2, note="一家三口") for ago in (40, 95, 150, 230)]
        for view, used in zip(families, (0, 1, 2, 3), strict=True):
            if view is not None and used:
                start = (today - view.starts_on).days
                visits(view, *sorted(rng.sample(range(3, start), used)))
        overdrawn = enrol("advanced", 200, family=2, note="一家三口")
        if overdrawn is not None:
            visits(overdrawn, 180, 130, 70, 20)
            # The same day the other receptionist's desk, cut off from the hub, booked
            # this family's visit too: a fifth use where the allowance is four (H2).
            # That row reaches this desk by sync as a plain row (sync applies rows; it
            # never calls the service, which would refuse a fifth use here), so the demo
            # writes it as the sync delivers it: a ledger row, not reviewed yet, that the
            # director finds in the overdrafts.
            day = today - timedelta(days=20)
            moment = at(day, 16, 20)
            with clinic.store.unit_of_work(write=True) as uow:
                uow.session.add(
                    BenefitUse(
                        membership_id=overdrawn.id,
                        patient_id=overdrawn.members[-1].patient_id,
                        benefit_key="home_visits",
                        day=day,
                        count=1,
                        note="家庭医生上门随访（二号工作站离线登记）",
                        by_id=other_desk.staff_id,
                        created_at=moment,
                        updated_at=moment,
                    )
                )
                uow.commit()
        # Premium "private health butler": a care team of a demo doctor and two outsiders.
        for ago, nutritionist, trainer in ((120, "林静", "高峰"), (60, "周慧", "赵磊")):
            butler = enrol("premium", ago, family=1, note="私人健康管家")
            if butler is None:
                continue
            when(butler.starts_on, 16)
            team = [
                membership.CareTeamInput("nutritionist", None, nutritionist, "13800138021"),
                membership.CareTeamInput("trainer", None, trainer, "13800138022"),
            ]
            if doctors:
                team.insert(0, membership.CareTeamInput("doctor", doctors[0].staff_id))
            membership.set_care_team(clinic, desk, butler.id, tuple(team))
            visits(butler, *sorted(rng.sample(range(3, ago), 3)))
        # Suspended a fortnight ago; renewed early last week; upgraded ten days ago.
        away = enrol("basic", 100)
        if away is not None:
            when(today - timedelta(days=14), 10)
            membership.suspend(clinic, desk, away.id, "出国探亲三个月，申请暂停")
        early = enrol("basic", 358)
        if early is not None:
            day = today - timedelta(days=5)
            when(day, 11)
            membership.renew(clinic, desk, early.id, payment=payment(tiers["basic"], day))
        upgraded = enrol("basic", 80)
        if upgraded is not None:
            day = today - timedelta(days=10)
            when(day, 15)
            preview = membership.preview_change(clinic, desk, upgraded.id, tiers["advanced"].id)
            due_cents = preview.change.due
            membership.change_tier(
                clinic,
                desk,
                upgraded.id,
                tiers["advanced"].id,
                payment=membership.PaymentInput(
                    amount_cents=due_cents, paid_on=day, method="wechat",
                    receipt_no=f"HY{day:%Y%m%d}{next(receipts):03d}", note="升级补差价",
                )
                if due_cents > 0
                else None,
            )  # fmt: skip
        # The annual plan's check-in calls (health manager): the past ones made on their
        # first day, a few left overdue.
        managers = by_role.get(Role.HEALTH_MANAGER.value) or [director]
        plan = followups.worklist(clinic, system, today, who="all", kinds=("health_plan",))
        for item in plan.items:
            if item.due_by >= today or rng.random() < 0.12:
                continue
            when(item.due_from, rng.randrange(9, 17))
            entry = followups.CallEntry(
                outcome="reached",
                notes=rng.choice(("血压控制良好，提醒按时复查。", "饮食运动计划执行中，体重下降。",
                                  "血糖偏高，已约下周门诊。", "一切正常，下次体检已预约。")),
            )  # fmt: skip
            try:
                followups.log_call(clinic, rng.choice(managers), item.id, entry)
            except ClinicError:
                continue  # the demo's data does not fit this call: leave it on the list
    finally:
        clinic.clock = real_clock
    # Tomorrow: a home visit booked for the first family (against its allowance).
    kinds = [
        t for t in rosters.list_appointment_types(clinic, system) if t.name == DEMO_HOME_VISIT
    ]
    if kinds and doctors and families[0] is not None:
        try:
            appointments.book(
                clinic,
                desk,
                patient_id=families[0].payer_id,
                doctor_id=doctors[0].staff_id,  # type: ignore[arg-type]
                starts_at=datetime.combine(today + timedelta(days=1), clock_time(15), zone),
                minutes=kinds[0].default_minutes,
                type_id=kinds[0].id,
                channel="phone",
                identity_checked=True,
                notes="上门测血压、血糖，调整用药",
                confirm=appointments.CONFIRM_REASONS,
                override_reason="demo data",
            )
        except ClinicError:
            pass  # the doctor's afternoon is full or closed tomorrow: no visit to show
    followups.prepare_worklist(clinic, system)  # the renewal calls and messages due today


def _fixed_clock(moment: datetime) -> Clock:
    return lambda: moment


def create_demo_clinic(
    data_dir: Path,
    *,
    seed: int = 1,
    patients: int = 300,
    years: float = 0.5,
    kdf: KdfParams | None = None,
    anchor: date | None = None,
) -> tuple[Clinic, str, str]:
    """The demo clinic, open, with the director's login and password to sign in with."""
    clinic, _ = build_demo_clinic(
        data_dir, seed=seed, patients=patients, years=years, kdf=kdf, anchor=anchor
    )
    return clinic, DEMO_DIRECTOR_LOGIN, DEMO_PASSWORD
