# ruff: noqa: S608 -- SQL is built only from quoted schema identifiers; values are bound parameters
"""A realistic org of about N records, deterministic by seed, written straight to SQLite.

Spread (fractions of N): Account 10%, Contact 20%, Opportunity 10%, OpportunityLineItem 10%,
Case 8%, CaseComment 2%, Lead 10%, Task 13%, Event 7%, CampaignMember ~10%, Campaign 0.1%,
plus Product2 / PricebookEntry for the line items. References are always valid (contacts
point at accounts, cases at an account and one of its contacts, tasks at accounts,
opportunities or cases ...). Timestamps lie in the two years before 2026-01-01 so that the
same seed gives the same records. Automations do not run (the data is "already there");
derived values follow their rules (Rating Hot above 10M revenue, no negative amounts).
"""

from __future__ import annotations

import datetime as dt
import random

from sfsim import ids
from sfsim.schema import COMPOUND

ANCHOR = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
SHARES = (
    ("Account", 0.10),
    ("Contact", 0.20),
    ("Opportunity", 0.10),
    ("OpportunityLineItem", 0.10),
    ("Case", 0.08),
    ("CaseComment", 0.02),
    ("Lead", 0.10),
    ("Task", 0.13),
    ("Event", 0.07),
    ("Campaign", 0.001),
    ("CampaignMember", 0.099),
)
FIRST = [
    "James",
    "Mary",
    "John",
    "Patricia",
    "Robert",
    "Jennifer",
    "Michael",
    "Linda",
    "William",
    "Elizabeth",
    "David",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Charles",
    "Karen",
    "Chen",
    "Aisha",
    "Mateo",
    "Yuki",
    "Olga",
    "Priya",
    "Lars",
    "Fatima",
    "Diego",
    "Ingrid",
]
LAST = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Nakamura",
    "Schmidt",
    "Rossi",
    "Dubois",
]
WORDS = [
    "Global",
    "Acme",
    "Summit",
    "Pioneer",
    "Blue",
    "Granite",
    "Northern",
    "Bright",
    "Vertex",
    "Harbor",
    "Silver",
    "Evergreen",
    "Quantum",
    "Atlas",
    "Cedar",
    "Apex",
    "Horizon",
    "Coastal",
    "Iron",
    "Falcon",
    "Prairie",
    "Maple",
    "Redwood",
    "Orbit",
]
SUFFIX = (
    "Corp",
    "Inc",
    "LLC",
    "Group",
    "Holdings",
    "Partners",
    "Labs",
    "Systems",
    "Industries",
    "Logistics",
    "Health",
    "Energy",
    "Foods",
    "Media",
    "Bank",
)
CITIES = (
    ("San Francisco", "CA", "USA"),
    ("Austin", "TX", "USA"),
    ("New York", "NY", "USA"),
    ("Chicago", "IL", "USA"),
    ("Boston", "MA", "USA"),
    ("Seattle", "WA", "USA"),
    ("London", None, "United Kingdom"),
    ("Paris", None, "France"),
    ("Berlin", None, "Germany"),
    ("Toronto", "ON", "Canada"),
    ("Sydney", "NSW", "Australia"),
    ("Tokyo", None, "Japan"),
)
INDUSTRIES = (
    "Agriculture",
    "Banking",
    "Biotechnology",
    "Chemicals",
    "Communications",
    "Construction",
    "Consulting",
    "Education",
    "Electronics",
    "Energy",
    "Engineering",
    "Finance",
    "Healthcare",
    "Insurance",
    "Manufacturing",
    "Media",
    "Retail",
    "Technology",
    "Telecommunications",
    "Transportation",
)
STAGES = (
    ("Prospecting", 10),
    ("Qualification", 10),
    ("Needs Analysis", 20),
    ("Value Proposition", 50),
    ("Proposal/Price Quote", 75),
    ("Negotiation/Review", 90),
    ("Closed Won", 100),
    ("Closed Lost", 0),
)
CHUNK = 20_000


class _Writer:
    """Inserts rows for one object with every column the table has (booleans default false)."""

    def __init__(self, org, od, columns: list[str], owners: list[str], admin_id: str):
        self.org = org
        self.od = od
        self.owners = owners
        self.admin = admin_id
        system = ["Id", "IsDeleted", "CreatedDate", "CreatedById"]
        if "LastModifiedDate" in od.fields:
            system += ["LastModifiedDate", "LastModifiedById"]
        if "SystemModstamp" in od.fields:
            system.append("SystemModstamp")
        if od.has_owner:
            system.append("OwnerId")
        self.system = system
        self.columns = [c for c in columns if c in od.fields]
        self.drop = [i for i, c in enumerate(columns) if c not in od.fields]
        taken = set(system) | set(self.columns)
        self.booleans = [
            n
            for n, f in od.fields.items()
            if f["type"] == "boolean" and n not in taken and f["type"] not in COMPOUND
        ]
        names = system + self.columns + self.booleans
        self.sql = (
            f"INSERT INTO {od.table()} ({', '.join(_q(n) for n in names)}) "
            f"VALUES ({', '.join('?' * len(names))})"
        )
        self.rows: list[tuple] = []
        self.count = 0

    def add(self, record_id: str, stamp: str, owner: str, values: tuple) -> None:
        row = [record_id, 0, stamp, self.admin]
        if "LastModifiedDate" in self.od.fields:
            row += [stamp, self.admin]
        if "SystemModstamp" in self.od.fields:
            row.append(stamp)
        if self.od.has_owner:
            row.append(owner)
        if self.drop:
            values = tuple(v for i, v in enumerate(values) if i not in self.drop)
        row.extend(values)
        row.extend([0] * len(self.booleans))
        self.rows.append(tuple(row))
        self.count += 1
        if len(self.rows) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            self.org.conn().executemany(self.sql, self.rows)
            self.rows = []


def _q(name: str) -> str:
    return '"' + name + '"'


class Generator:
    def __init__(self, org, total: int, seed: int):
        self.org = org
        self.total = total
        self.rng = random.Random(seed)
        self.objs = org.objects()
        self.counts: dict[str, int] = {}
        users = (
            org.conn()
            .execute('SELECT "Id" FROM "o_User" WHERE "IsActive" = 1 ORDER BY _rowid')
            .fetchall()
        )
        self.admin = org.admin_id()
        # most records belong to the admin; some to the other users
        self.owners = [self.admin] * 4 + [u[0] for u in users if u[0] != self.admin]
        self.stamps = [
            _fmt(ANCHOR - dt.timedelta(seconds=self.rng.randrange(0, 730 * 86400)))
            for _ in range(20_000)
        ]
        self.stamps.sort()
        self.days = [(ANCHOR - dt.timedelta(days=d)).date().isoformat() for d in range(-365, 731)]

    def n(self, name: str) -> int:
        share = dict(SHARES)[name]
        return max(1, int(self.total * share)) if name in self.objs else 0

    def ids_for(self, od, count: int) -> list[str]:
        start = self.org._counter
        self.org._counter += count
        prefix, tag = od.key_prefix, self.org.tag
        return [ids.make_id(prefix, tag, start + i + 1) for i in range(count)]

    def stamp(self, i: int, count: int) -> str:
        """Creation times rise with insertion order (like a real org's history)."""
        return self.stamps[min(int(i * len(self.stamps) / max(count, 1)), len(self.stamps) - 1)]

    def write(self, name: str, columns: list[str], count: int, make) -> list[str]:
        if count <= 0 or name not in self.objs:
            return []
        od = self.objs[name]
        with self.org.transaction() as conn:
            self.org.drop_indexes(od)
            new_ids = self.ids_for(od, count)
            writer = _Writer(self.org, od, columns, self.owners, self.admin)
            rng = self.rng
            owners = self.owners
            for i, rid in enumerate(new_ids):
                writer.add(
                    rid, self.stamp(i, count), owners[rng.randrange(len(owners))], make(i, rid)
                )
            writer.flush()
            self.org._ensure_table(conn, od)
        self.counts[name] = self.counts.get(name, 0) + count
        return new_ids

    # ------------------------------------------------------------------ objects
    def run(self) -> dict[str, int]:
        rng = self.rng
        pick = rng.choice
        n_acc = self.n("Account")
        acc_ids = []

        def account(i, rid):
            revenue = float(rng.randrange(50, 50_000) * 10_000)
            city, state, country = pick(CITIES)
            name = f"{pick(WORDS)} {pick(WORDS)} {pick(SUFFIX)}"
            parent = acc_ids[rng.randrange(i)] if i > 10 and rng.random() < 0.05 else None
            acc_ids.append(rid)
            return (
                name,
                pick(
                    (
                        "Prospect",
                        "Customer - Direct",
                        "Customer - Channel",
                        "Channel Partner / Reseller",
                        "Technology Partner",
                        "Other",
                    )
                ),
                pick(INDUSTRIES),
                f"{rng.randrange(1, 9999)} {pick(WORDS)} Street",
                city,
                state,
                f"{rng.randrange(10000, 99999)}",
                country,
                f"({rng.randrange(200, 999)}) 555-{rng.randrange(1000, 9999)}",
                f"https://www.{name.split()[0].lower()}{i}.example.com",
                revenue,
                rng.randrange(1, 100_000),
                "Hot" if revenue > 10_000_000 else pick(("Warm", "Cold", None)),
                pick(("Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other")),
                f"ACC-{i:07d}",
                parent,
                "Generated account for simulator data." if i % 7 == 0 else None,
            )

        self.write(
            "Account",
            [
                "Name",
                "Type",
                "Industry",
                "BillingStreet",
                "BillingCity",
                "BillingState",
                "BillingPostalCode",
                "BillingCountry",
                "Phone",
                "Website",
                "AnnualRevenue",
                "NumberOfEmployees",
                "Rating",
                "AccountSource",
                "AccountNumber",
                "ParentId",
                "Description",
            ],
            n_acc,
            account,
        )
        n_con = self.n("Contact") if acc_ids else 0
        con_acc: list[int] = []

        def contact(i, rid):
            a = rng.randrange(len(acc_ids))
            con_acc.append(a)
            first, last = pick(FIRST), pick(LAST)
            return (
                first,
                last,
                f"{first} {last}",
                acc_ids[a],
                f"{first.lower()}.{last.lower()}{i}@example.com",
                f"({rng.randrange(200, 999)}) 555-{rng.randrange(1000, 9999)}",
                pick(("CEO", "CFO", "VP Sales", "Engineer", "Buyer", "Director", None)),
                pick(("Web", "Phone Inquiry", "Partner Referral", "Other")),
                pick(CITIES)[0],
                self.days[rng.randrange(400, 1000)] if i % 3 == 0 else None,
            )

        con_ids = self.write(
            "Contact",
            [
                "FirstName",
                "LastName",
                "Name",
                "AccountId",
                "Email",
                "Phone",
                "Title",
                "LeadSource",
                "MailingCity",
                "Birthdate",
            ],
            n_con,
            contact,
        )

        def opportunity(i, rid):
            stage, prob = pick(STAGES)
            amount = float(rng.randrange(1, 500) * 1000)
            return (
                f"{pick(WORDS)} deal {i}",
                acc_ids[rng.randrange(len(acc_ids))],
                stage,
                self.days[rng.randrange(0, len(self.days))],
                amount,
                float(prob),
                pick(("New Customer", "Existing Customer - Upgrade", None)),
                int(stage.startswith("Closed")),
                int(stage == "Closed Won"),
                pick(("Pipeline", "Best Case", "Commit", "Omitted", "Closed")),
            )

        opp_ids = self.write(
            "Opportunity",
            [
                "Name",
                "AccountId",
                "StageName",
                "CloseDate",
                "Amount",
                "Probability",
                "Type",
                "IsClosed",
                "IsWon",
                "ForecastCategoryName",
            ],
            self.n("Opportunity") if acc_ids else 0,
            opportunity,
        )
        # products and price book entries for the line items
        n_prod = min(200, max(5, self.total // 5000)) if "Product2" in self.objs else 0
        prod_names = []

        def product(i, rid):
            name = f"{pick(WORDS)} {pick(('Widget', 'Gateway', 'Suite', 'Sensor', 'License'))}"
            prod_names.append(name)
            return (name, f"P-{i:05d}", pick(("Hardware", "Software", "Services")), 1)

        prod_ids = self.write(
            "Product2", ["Name", "ProductCode", "Family", "IsActive"], n_prod, product
        )
        book = (
            self.org.conn()
            .execute('SELECT "Id" FROM "o_Pricebook2" WHERE "IsStandard" = 1 LIMIT 1')
            .fetchone()
            if ("Pricebook2" in self.objs)
            else None
        )
        pbe_ids: list[str] = []
        prices: list[float] = []
        if book and prod_ids:

            def entry(i, rid):
                prices.append(float(rng.randrange(10, 5000)))
                return (prod_names[i], book[0], prod_ids[i], prices[-1], 1)

            pbe_ids = self.write(
                "PricebookEntry",
                ["Name", "Pricebook2Id", "Product2Id", "UnitPrice", "IsActive"],
                len(prod_ids),
                entry,
            )

        def line(i, rid):
            p = rng.randrange(len(pbe_ids))
            qty = float(rng.randrange(1, 20))
            return (
                opp_ids[rng.randrange(len(opp_ids))],
                pbe_ids[p],
                prod_ids[p],
                f"{prod_names[p]}",
                qty,
                prices[p],
                qty * prices[p],
            )

        self.write(
            "OpportunityLineItem",
            [
                "OpportunityId",
                "PricebookEntryId",
                "Product2Id",
                "Name",
                "Quantity",
                "UnitPrice",
                "TotalPrice",
            ],
            self.n("OpportunityLineItem") if opp_ids and pbe_ids else 0,
            line,
        )
        number = [int(self.org.meta("autonumber:Case", 1000))]

        def case(i, rid):
            c = rng.randrange(len(con_ids))
            number[0] += 1
            status = pick(("New", "Working", "Escalated", "Closed", "Closed"))
            return (
                acc_ids[con_acc[c]],
                con_ids[c],
                f"{number[0]:08d}",
                pick(
                    (
                        "Cannot log in",
                        "Invoice question",
                        "Device fails to start",
                        "Request for quote",
                        "Shipping delay",
                        "Feature request",
                    )
                ),
                status,
                pick(("High", "Medium", "Low", "Medium")),
                pick(("Phone", "Email", "Web")),
                int(status == "Closed"),
                "Customer reported the issue through the support portal." if i % 4 == 0 else None,
            )

        case_ids = self.write(
            "Case",
            [
                "AccountId",
                "ContactId",
                "CaseNumber",
                "Subject",
                "Status",
                "Priority",
                "Origin",
                "IsClosed",
                "Description",
            ],
            self.n("Case") if con_ids else 0,
            case,
        )
        self.org.set_meta("autonumber:Case", number[0])
        self.write(
            "CaseComment",
            ["ParentId", "CommentBody", "IsPublished"],
            self.n("CaseComment") if case_ids else 0,
            lambda i, rid: (
                case_ids[rng.randrange(len(case_ids))],
                pick(
                    (
                        "Called the customer.",
                        "Waiting for logs.",
                        "Escalated to tier 2.",
                        "Fixed in the latest build.",
                    )
                ),
                rng.randrange(2),
            ),
        )

        def lead(i, rid):
            first, last = pick(FIRST), pick(LAST)
            city, state, country = pick(CITIES)
            return (
                first,
                last,
                f"{first} {last}",
                f"{pick(WORDS)} {pick(SUFFIX)}",
                f"{first.lower()}.{last.lower()}.{i}@example.org",
                pick(("Open - Not Contacted", "Working - Contacted", "Closed - Not Converted")),
                pick(("Web", "Phone Inquiry", "Partner Referral", "Other")),
                pick(("Agriculture", "Banking", "Energy", "Retail", "Technology")),
                city,
                state,
                country,
                pick(("Hot", "Warm", "Cold")),
            )

        lead_ids = self.write(
            "Lead",
            [
                "FirstName",
                "LastName",
                "Name",
                "Company",
                "Email",
                "Status",
                "LeadSource",
                "Industry",
                "City",
                "State",
                "Country",
                "Rating",
            ],
            self.n("Lead"),
            lead,
        )
        what_pool = [p for p in (acc_ids, opp_ids, case_ids) if p]

        def task(i, rid):
            pool = what_pool[rng.randrange(len(what_pool))]
            status = pick(("Not Started", "In Progress", "Completed", "Completed"))
            return (
                pick(("Call", "Email", "Send Quote", "Follow up", "Demo")),
                pool[rng.randrange(len(pool))],
                con_ids[rng.randrange(len(con_ids))] if con_ids and rng.random() < 0.6 else None,
                self.days[rng.randrange(0, len(self.days))],
                status,
                pick(("High", "Normal", "Normal", "Low")),
                int(status == "Completed"),
                pick(("Task", "Call", "Email")),
            )

        self.write(
            "Task",
            [
                "Subject",
                "WhatId",
                "WhoId",
                "ActivityDate",
                "Status",
                "Priority",
                "IsClosed",
                "TaskSubtype",
            ],
            self.n("Task") if what_pool else 0,
            task,
        )

        def event(i, rid):
            pool = what_pool[rng.randrange(len(what_pool))]
            start = ANCHOR - dt.timedelta(hours=rng.randrange(-2000, 17000))
            minutes = pick((30, 60, 90))
            return (
                pick(("Meeting", "Demo", "Lunch", "Onsite visit", "Call")),
                pool[rng.randrange(len(pool))],
                con_ids[rng.randrange(len(con_ids))] if con_ids else None,
                _fmt(start),
                _fmt(start + dt.timedelta(minutes=minutes)),
                start.date().isoformat(),
                minutes,
            )

        self.write(
            "Event",
            [
                "Subject",
                "WhatId",
                "WhoId",
                "StartDateTime",
                "EndDateTime",
                "ActivityDate",
                "DurationInMinutes",
            ],
            self.n("Event") if what_pool else 0,
            event,
        )

        def campaign(i, rid):
            start = rng.randrange(0, len(self.days) - 60)
            return (
                f"{pick(WORDS)} {pick(('Webinar', 'Conference', 'Email Blast', 'Launch'))} {i}",
                pick(("Conference", "Webinar", "Email", "Advertisement")),
                pick(("Planned", "In Progress", "Completed")),
                self.days[start + 30],
                self.days[start],
                1,
                float(rng.randrange(1, 100) * 1000),
            )

        camp_ids = self.write(
            "Campaign",
            ["Name", "Type", "Status", "StartDate", "EndDate", "IsActive", "BudgetedCost"],
            self.n("Campaign"),
            campaign,
        )

        def member(i, rid):
            use_contact = con_ids and (not lead_ids or rng.random() < 0.5)
            return (
                camp_ids[rng.randrange(len(camp_ids))],
                con_ids[rng.randrange(len(con_ids))] if use_contact else None,
                None if use_contact else lead_ids[rng.randrange(len(lead_ids))],
                pick(("Sent", "Responded", "Planned")),
            )

        self.write(
            "CampaignMember",
            ["CampaignId", "ContactId", "LeadId", "Status"],
            self.n("CampaignMember") if camp_ids and (con_ids or lead_ids) else 0,
            member,
        )
        return self.counts


def _fmt(value: dt.datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def generate(org, total: int, seed: int = 1) -> dict[str, int]:
    """Insert about ``total`` records; returns counts per object."""
    conn = org.conn()
    conn.execute("PRAGMA synchronous=OFF")
    try:
        counts = Generator(org, total, seed).run()
    finally:
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return counts
