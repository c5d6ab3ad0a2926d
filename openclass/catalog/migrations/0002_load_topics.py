"""Loads the topic taxonomy of SPEC F-04.

The ten cross-curricular areas (범교과학습) and their content elements come from the seed's table
"[범교과학습 목록 및 2020년 시수 감축 내용]" (구분 / 주제 / 관련 내용요소), in its order and exactly
as written there. The 관련 내용요소 cell is split into elements at its commas only, never at the
middle dot "·" and never inside brackets: "·" joins parts of one element in this table (안전·재난대비,
청렴·반부패, 물보호·에너지), and a bracket lists examples of one element (인간의 존엄성과
인권존중(아동, 청소년, …)). So 경제·금융 교육's last cell, "복지와 세금·금융생활의 이해·지적
재산권", stays one element, as the seed writes it.

The creative experiential activities are the four areas of the 2015 revised national curriculum
with their activities; subjects and parent-education topics are what a Seoul school expects.

The data is copied here rather than imported from the app so the migration keeps meaning what it
meant when it was written. Rows are matched by ``code`` with update_or_create, so running it on a
database that already holds some of them (or running it twice) updates instead of failing; the
reverse deletes exactly these codes.
"""

from django.db import migrations

CROSS = "cross_curricular"
CREATIVE = "creative_experiential"
SUBJECT = "subject"
PARENT = "parent_education"

INDIVIDUAL = "individual"
CIVIL_SOCIETY = "civil_society"
NATIONAL_COMMUNITY = "national_community"

# (kind, group, code, name_ko, name_en, [(element code, name_ko, name_en), ...])
TOPICS = [
    (
        CROSS,
        INDIVIDUAL,
        "safety-health",
        "안전·건강교육",
        "Safety and health education",
        [
            ("safety-health-disaster", "안전·재난대비", "Safety and disaster preparedness"),
            ("safety-health-sex-education", "보건·성교육", "Health and sex education"),
            ("safety-health-nutrition", "영양·식생활", "Nutrition and eating habits"),
        ],
    ),
    (
        CROSS,
        INDIVIDUAL,
        "character",
        "인성교육",
        "Character education",
        [
            (
                "character-traditional-ethics",
                "전통윤리(효도 경로)",
                "Traditional ethics (filial piety and respect for elders)",
            ),
            ("character-respect-for-life", "생명존중", "Respect for life"),
        ],
    ),
    (
        CROSS,
        INDIVIDUAL,
        "career",
        "진로교육",
        "Career education",
        [
            ("career-exploration", "진로탐색", "Career exploration"),
            ("career-leisure", "여가활용", "Making good use of leisure time"),
        ],
    ),
    (
        CROSS,
        CIVIL_SOCIETY,
        "democratic-citizenship",
        "민주 시민 교육",
        "Democratic citizenship education",
        [
            (
                "democratic-citizenship-integrity",
                "청렴·반부패",
                "Integrity and anti-corruption",
            ),
            (
                "democratic-citizenship-rule-of-law",
                "헌법정신 및 법질서",
                "The spirit of the Constitution and the rule of law",
            ),
            (
                "democratic-citizenship-workers-rights",
                "근로자의 권리와 의무",
                "Workers' rights and duties",
            ),
        ],
    ),
    (
        CROSS,
        CIVIL_SOCIETY,
        "human-rights",
        "인권 교육",
        "Human rights education",
        [
            (
                "human-rights-dignity",
                "인간의 존엄성과 인권존중(아동, 청소년, 장애인, 양성평등, 노동인권 등)",
                "Human dignity and respect for human rights (children, young people, people "
                "with disabilities, gender equality, labour rights and more)",
            ),
            ("human-rights-violence-prevention", "폭력예방", "Violence prevention"),
        ],
    ),
    (
        CROSS,
        CIVIL_SOCIETY,
        "multicultural",
        "다문화 교육",
        "Multicultural education",
        [
            ("multicultural-diversity", "다양성의 존중", "Respect for diversity"),
            (
                "multicultural-global-citizenship",
                "세계시민 및 국제이해",
                "Global citizenship and international understanding",
            ),
        ],
    ),
    (
        CROSS,
        NATIONAL_COMMUNITY,
        "unification",
        "통일 교육",
        "Unification education",
        [
            ("unification-need", "통일 필요성 이해", "Why unification matters"),
            (
                "unification-national-identity",
                "국가정체성 이해(한국문화사 교육)",
                "Understanding national identity (Korean cultural history)",
            ),
            (
                "unification-patriots-veterans",
                "호국보훈",
                "Honouring those who defended and served the nation",
            ),
        ],
    ),
    (
        CROSS,
        NATIONAL_COMMUNITY,
        "dokdo",
        "독도 교육",
        "Dokdo education",
        [
            ("dokdo-territory", "국토 이해", "Understanding our national territory"),
            ("dokdo-love", "독도 사랑", "Caring for Dokdo"),
        ],
    ),
    (
        CROSS,
        NATIONAL_COMMUNITY,
        "economy-finance",
        "경제·금융 교육",
        "Economic and financial education",
        [
            (
                "economy-finance-consumer",
                "소비자의 책임과 권리",
                "Consumer responsibilities and rights",
            ),
            (
                "economy-finance-entrepreneurship",
                "창업(기업가)정신",
                "Entrepreneurship (the entrepreneurial spirit)",
            ),
            (
                "economy-finance-welfare-tax-ip",
                "복지와 세금·금융생활의 이해·지적 재산권",
                "Welfare and taxes, understanding financial life, intellectual property",
            ),
        ],
    ),
    (
        CROSS,
        NATIONAL_COMMUNITY,
        "environment-sustainability",
        "환경·지속가능발전 교육",
        "Environmental and sustainable development education",
        [
            (
                "environment-sustainability-ageing-society",
                "저출산·고령화 사회 대비 교육",
                "Preparing for a low-birth-rate, ageing society",
            ),
            (
                "environment-sustainability-water-energy",
                "물보호·에너지",
                "Protecting water and saving energy",
            ),
            ("environment-sustainability-marine", "해양교육", "Marine education"),
            (
                "environment-sustainability-agriculture",
                "농업·농촌 이해 교육",
                "Understanding agriculture and rural life",
            ),
        ],
    ),
    (
        CREATIVE,
        "",
        "creative-autonomous",
        "자율활동",
        "Autonomous activities",
        [
            (
                "creative-autonomous-self-government",
                "자치·적응활동",
                "Student self-government and adjustment activities",
            ),
            ("creative-autonomous-themes", "창의주제활동", "Creative theme activities"),
        ],
    ),
    (
        CREATIVE,
        "",
        "creative-club",
        "동아리활동",
        "Club activities",
        [
            ("creative-club-academic-culture", "학술문화활동", "Academic and cultural clubs"),
            ("creative-club-arts-sports", "예술체육활동", "Arts and sports clubs"),
            ("creative-club-hands-on", "실습노작활동", "Hands-on practical clubs"),
            ("creative-club-youth-organisations", "청소년단체활동", "Youth organisations"),
        ],
    ),
    (
        CREATIVE,
        "",
        "creative-volunteer",
        "봉사활동",
        "Volunteer activities",
        [
            ("creative-volunteer-neighbours", "이웃돕기활동", "Helping neighbours"),
            ("creative-volunteer-environment", "환경보호활동", "Protecting the environment"),
            ("creative-volunteer-campaigns", "캠페인활동", "Campaigns"),
        ],
    ),
    (
        CREATIVE,
        "",
        "creative-career",
        "진로활동",
        "Career activities",
        [
            ("creative-career-self-understanding", "자기이해활동", "Understanding oneself"),
            ("creative-career-exploration", "진로탐색활동", "Exploring careers"),
            ("creative-career-planning", "진로설계활동", "Planning one's career"),
        ],
    ),
    (SUBJECT, "", "subject-korean", "국어", "Korean language", []),
    (SUBJECT, "", "subject-mathematics", "수학", "Mathematics", []),
    (SUBJECT, "", "subject-social-studies", "사회", "Social studies", []),
    (SUBJECT, "", "subject-science", "과학", "Science", []),
    (SUBJECT, "", "subject-english", "영어", "English", []),
    (SUBJECT, "", "subject-ethics", "도덕", "Ethics", []),
    (SUBJECT, "", "subject-physical-education", "체육", "Physical education", []),
    (SUBJECT, "", "subject-music", "음악", "Music", []),
    (SUBJECT, "", "subject-art", "미술", "Art", []),
    (
        SUBJECT,
        "",
        "subject-practical-arts",
        "실과/기술·가정",
        "Practical arts / Technology and home economics",
        [],
    ),
    (SUBJECT, "", "subject-informatics", "정보", "Informatics", []),
    (
        PARENT,
        "",
        "parent-understanding-children",
        "자녀 이해와 소통",
        "Understanding and talking with your child",
        [],
    ),
    (PARENT, "", "parent-career", "학부모 진로 교육", "Career education for parents", []),
    (PARENT, "", "parent-digital-citizenship", "디지털 시민성", "Digital citizenship", []),
    (
        PARENT,
        "",
        "parent-school-curriculum",
        "학교 교육과정 이해",
        "Understanding the school curriculum",
        [],
    ),
    (
        PARENT,
        "",
        "parent-remote-learning",
        "가정에서의 원격수업 지원",
        "Supporting remote learning at home",
        [],
    ),
    (
        PARENT,
        "",
        "parent-violence-prevention",
        "학교폭력 예방",
        "Preventing school violence",
        [],
    ),
]

# (code, name_ko, name_en): the seed's 사용 대상별 (학생, 학부모 강좌 및 건강장애, 다문화 등).
AUDIENCE_TAGS = [
    ("student", "학생", "Students"),
    ("parent", "학부모", "Parents"),
    ("health_impaired", "건강장애 학생", "Students with health impairments"),
    ("multicultural", "다문화 가정", "Multicultural families"),
]


def load(apps, schema_editor):
    Topic = apps.get_model("catalog", "Topic")
    ContentElement = apps.get_model("catalog", "ContentElement")
    AudienceTag = apps.get_model("catalog", "AudienceTag")
    positions = {}
    for kind, group, code, name_ko, name_en, elements in TOPICS:
        # Positions count within a kind, in steps of 10 so the office can slot topics between.
        positions[kind] = positions.get(kind, 0) + 10
        topic, _ = Topic.objects.update_or_create(
            code=code,
            defaults={
                "kind": kind,
                "group": group,
                "name_ko": name_ko,
                "name_en": name_en,
                "position": positions[kind],
            },
        )
        for index, (element_code, element_ko, element_en) in enumerate(elements, start=1):
            ContentElement.objects.update_or_create(
                code=element_code,
                defaults={
                    "topic": topic,
                    "name_ko": element_ko,
                    "name_en": element_en,
                    "position": index * 10,
                },
            )
    for index, (code, name_ko, name_en) in enumerate(AUDIENCE_TAGS, start=1):
        AudienceTag.objects.update_or_create(
            code=code, defaults={"name_ko": name_ko, "name_en": name_en, "position": index * 10}
        )


def unload(apps, schema_editor):
    Topic = apps.get_model("catalog", "Topic")
    ContentElement = apps.get_model("catalog", "ContentElement")
    AudienceTag = apps.get_model("catalog", "AudienceTag")
    element_codes = [element[0] for topic in TOPICS for element in topic[5]]
    ContentElement.objects.filter(code__in=element_codes).delete()
    Topic.objects.filter(code__in=[topic[2] for topic in TOPICS]).delete()
    AudienceTag.objects.filter(code__in=[tag[0] for tag in AUDIENCE_TAGS]).delete()


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
