"""Words for the demo site. Kept apart from the command so the code stays readable."""

HOME = {
    "title": "Home",
    "hero_title": "Hands-on training that changes how you treat pain",
    "hero_text": (
        "Small-group, evidence-informed workshops for licensed massage therapists, taught by "
        "clinicians who still treat patients every week. Earn CE hours, practise every "
        "technique on the table, and keep learning with our members-only masterclasses."
    ),
    "hero_cta_text": "See upcoming workshops",
}

ABOUT = {
    "title": "About us",
    "slug": "about",
    "intro": (
        "PhysioMassage Academy brings physiotherapy reasoning to the massage table. We teach "
        "therapists to assess, treat and educate clients with persistent pain."
    ),
    "body": [
        ("heading", {"text": "Why we teach", "level": "h2"}),
        (
            "paragraph",
            "<p>Most of the people who book a massage for back or neck pain have had it for "
            "months. They need more than a good hour on the table: they need a plan that "
            "combines skilled hands-on work with movement they can keep doing at home. Our "
            "workshops teach exactly that combination.</p>"
            "<p>Every course is capped at a small number of participants so that instructors "
            "can watch and correct your hands. You spend most of each day practising, not "
            "watching slides.</p>",
        ),
        ("heading", {"text": "How our courses run", "level": "h2"}),
        (
            "paragraph",
            "<ul><li><b>Hands-on first:</b> at least two thirds of the contact hours are "
            "supervised practice.</li><li><b>Evidence-informed:</b> we teach what current "
            "research supports and say plainly where it is uncertain.</li><li><b>Approved CE:"
            "</b> each workshop carries continuing-education hours and a certificate you can "
            "verify online.</li></ul>",
        ),
        (
            "quote",
            {
                "quote": "I changed how I structure every session with my low back pain "
                "clients the week after the course.",
                "attribution": "Workshop participant, Los Angeles",
            },
        ),
    ],
}

ARTICLE_INDEX = {
    "title": "Journal",
    "slug": "journal",
    "intro": "<p>Clinical notes, research summaries and practical ideas for your treatment room.</p>",
}

ARTICLES = [
    {
        "title": "Manual therapy plus exercise for chronic low back pain: what the evidence says",
        "slug": "manual-therapy-plus-exercise-chronic-low-back-pain",
        "author": "Dr. Elena Marsh, PT, DPT",
        "date": "2026-10-14",
        "tags": ["low back pain", "research", "exercise"],
        "palette": "teal",
        "intro": (
            "A systematic review published in June 2025 looked at combining hands-on "
            "treatment with exercise for people with chronic low back pain. Here is what it "
            "means for the way you plan a course of care."
        ),
        "body": [
            (
                "paragraph",
                "<p>Chronic low back pain is the most common reason clients give when they "
                "book a therapeutic massage, and it is also one of the most studied conditions "
                "in musculoskeletal care. Guidelines have recommended exercise as a first-line "
                "treatment for years, with manual therapy usually described as something to "
                "add to an active approach rather than to use alone.</p>",
            ),
            ("heading", {"text": "The review", "level": "h2"}),
            (
                "paragraph",
                "<p>In June 2025 <i>Musculoskeletal Science and Practice</i> published a "
                "systematic review of randomised trials that compared manual therapy combined "
                "with exercise against exercise alone, or against other care, for adults with "
                "chronic low back pain. The review pooled outcomes for pain intensity and "
                "disability in the short and medium term.</p>"
                "<p>The overall message is consistent with earlier work: adding manual therapy "
                "to an exercise program can give a modest extra reduction in pain and "
                "disability in the short term, and the certainty of that evidence is limited "
                "by small trials and varied treatment protocols. Read the full paper for its "
                "effect sizes and risk-of-bias assessment before quoting numbers to clients.</p>",
            ),
            ("heading", {"text": "What it means on the table", "level": "h2"}),
            (
                "paragraph",
                "<ol><li><b>Lead with the plan, not the technique.</b> Explain that hands-on "
                "work helps calm symptoms so that movement feels possible, and that the "
                "movement is what builds lasting capacity.</li><li><b>Pair every session with "
                "one exercise.</b> Finish by teaching or progressing a single movement the "
                "client can do at home: a hip hinge, a side plank on the knees, a walking "
                "goal.</li><li><b>Measure something.</b> A simple function question each "
                "visit (\u201cHow long can you sit before the pain starts?\u201d) shows both of you "
                "whether the plan works.</li></ol>",
            ),
            (
                "quote",
                {
                    "quote": "Manual therapy opens the door; exercise is how the client walks "
                    "through it.",
                    "attribution": "A common way physiotherapists put it",
                },
            ),
            (
                "paragraph",
                "<p>Our two-day PhysioMassage training workshop in Los Angeles spends a full "
                "afternoon on exactly this: combining soft-tissue and joint techniques with "
                "graded exercise for persistent low back pain, with supervised practice on "
                "real case scenarios.</p>",
            ),
            (
                "call_to_action",
                {
                    "title": "Practise it with us",
                    "text": "Hands-on workshops with CE hours, in small groups.",
                    "button_text": "See workshops",
                    "url": "/workshops/",
                },
            ),
        ],
    },
    {
        "title": "Five questions to ask every new client with neck pain",
        "slug": "five-questions-new-client-neck-pain",
        "author": "Marcus Reyes, LMT",
        "date": "2026-09-02",
        "tags": ["neck pain", "assessment"],
        "palette": "sand",
        "intro": (
            "A short, structured conversation at the start of the first session tells you "
            "whether massage is appropriate, what to focus on and how you will know it helped."
        ),
        "body": [
            (
                "paragraph",
                "<p>Massage therapists are often the first hands-on clinician a person with neck "
                "pain sees. A few well-chosen questions make that first session safer and far "
                "more useful.</p>",
            ),
            ("heading", {"text": "1. When and how did it start?", "level": "h3"}),
            (
                "paragraph",
                "<p>A gradual onset after weeks at a new desk is a different story from pain "
                "that began after a fall or a car accident. Trauma, especially in older "
                "clients, is a reason to ask whether they have been assessed by a physician "
                "before you treat.</p>",
            ),
            ("heading", {"text": "2. Does anything travel into the arm?", "level": "h3"}),
            (
                "paragraph",
                "<p>Pins and needles, numbness or weakness in the arm or hand suggest nerve "
                "involvement. Note where, and keep your pressure and positions comfortable; "
                "refer if symptoms are worsening or spreading.</p>",
            ),
            ("heading", {"text": "3. What makes it better or worse?", "level": "h3"}),
            (
                "paragraph",
                "<p>Mechanical pain changes with posture and movement. Pain that does not "
                "change at all, or that wakes the client every night, deserves a question "
                "about their general health and a lower threshold for referral.</p>",
            ),
            ("heading", {"text": "4. Any dizziness, headaches or visual changes?", "level": "h3"}),
            (
                "paragraph",
                "<p>These are uncommon, but they matter. If present and new, stop and refer "
                "before any neck work.</p>",
            ),
            ("heading", {"text": "5. What would you like to be able to do again?", "level": "h3"}),
            (
                "paragraph",
                "<p>Shoulder checks while driving, a full day at the laptop, lifting a child: "
                "a concrete goal gives your treatment a purpose and gives you both a way to "
                "measure progress.</p>",
            ),
        ],
    },
]

SITE_SETTINGS = {
    "contact_phone": "+1 (310) 555-0142",
    "booking_email": "bookings@physiomassage.example",
    "address": "PhysioMassage Academy\n1200 Wilshire Blvd, Suite 300\nLos Angeles, CA 90017",
    "instagram_url": "https://www.instagram.com/physiomassage.academy",
    "youtube_url": "https://www.youtube.com/@physiomassageacademy",
    "footer_text": (
        "Hands-on, evidence-informed continuing education for massage therapists in Los "
        "Angeles and beyond."
    ),
}

EDITOR_EMAIL = "editor@physiomassage.example"
EDITOR_PASSWORD = "physio-editor-2027"  # noqa: S105 - demo account, printed by `make run`
STAFF_EMAIL = "staff@physiomassage.example"
STAFF_PASSWORD = "physio-staff-2027"  # noqa: S105
ADMIN_EMAIL = "admin@physiomassage.example"
ADMIN_PASSWORD = "physio-admin-2027"  # noqa: S105
MEMBER_EMAIL = "member@physiomassage.example"
MEMBER_PASSWORD = "physio-member-2027"  # noqa: S105
VISITOR_EMAIL = "visitor@physiomassage.example"
VISITOR_PASSWORD = "physio-visitor-2027"  # noqa: S105
# The demo's staff accounts (admin, editor, event staff) must sign in with a second factor
# (accounts.selectors.mfa). They share this authenticator secret: add it to an
# authenticator app, or read the current code from `manage.py demo_credentials`.
DEMO_TOTP_SECRET = "PHYSIOMASSAGEDEMOTOTPSECRETXXXXX"  # noqa: S105
THERAPIST_EMAIL = "therapist@physiomassage.example"
THERAPIST_PASSWORD = "physio-therapist-2027"  # noqa: S105 - demo attendee with a certificate
