//! Seed data for the demo API: five members, their workouts, two classes and their leaderboards.
//!
//! Everything here is fixed (only the bearer tokens are random, see `server.rs`), so tests and
//! `fixtures/demo/ground-truth.yaml` can name objects by their sequential IDs. Members' profiles
//! and workouts change through the write operations; new workouts take the next ID.

use serde_json::{Value, json};

/// One of the five seeded demo accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoUser {
    /// Member 1: private profile; the scanner's user A.
    Alice,
    /// Member 2: private profile; the scanner's user B.
    Bob,
    /// Member 3: the only public profile.
    Carol,
    /// Member 4: private profile.
    Dave,
    /// Member 5: private profile, role `admin`.
    Erin,
}

impl DemoUser {
    /// Every demo user, in ID order.
    pub(crate) const ALL: [DemoUser; 5] = [
        DemoUser::Alice,
        DemoUser::Bob,
        DemoUser::Carol,
        DemoUser::Dave,
        DemoUser::Erin,
    ];

    /// Login name, e.g. `alice`.
    pub fn username(self) -> &'static str {
        match self {
            DemoUser::Alice => "alice",
            DemoUser::Bob => "bob",
            DemoUser::Carol => "carol",
            DemoUser::Dave => "dave",
            DemoUser::Erin => "erin",
        }
    }

    /// Fixed demo password accepted by `POST /auth/login`, e.g. `alice-demo-pass`.
    pub fn password(self) -> &'static str {
        match self {
            DemoUser::Alice => "alice-demo-pass",
            DemoUser::Bob => "bob-demo-pass",
            DemoUser::Carol => "carol-demo-pass",
            DemoUser::Dave => "dave-demo-pass",
            DemoUser::Erin => "erin-demo-pass",
        }
    }

    /// Member ID (1 = Alice … 5 = Erin).
    pub fn id(self) -> u64 {
        self as u64 + 1
    }
}

/// A member account with everything the server knows about it.
#[derive(Debug, Clone)]
pub(crate) struct Member {
    pub(crate) user: DemoUser,
    pub(crate) display_name: String,
    pub(crate) email: &'static str,
    pub(crate) city: String,
    pub(crate) birthday: &'static str,
    pub(crate) weight_kg: f64,
    pub(crate) private: bool,
    pub(crate) admin: bool,
    /// Never declared in the spec; only the vulnerable variant ever sends it.
    pub(crate) password_hash: &'static str,
    /// Never declared in the spec; only the vulnerable variant ever sends it.
    pub(crate) last_login_ip: &'static str,
}

impl Member {
    pub(crate) fn id(&self) -> u64 {
        self.user.id()
    }

    /// The whole declared `Member` schema.
    pub(crate) fn full(&self) -> Value {
        json!({
            "id": self.id(),
            "username": self.user.username(),
            "display_name": self.display_name,
            "email": self.email,
            "city": self.city,
            "birthday": self.birthday,
            "weight_kg": self.weight_kg,
            "private": self.private,
            "role": if self.admin { "admin" } else { "member" },
        })
    }

    /// What anyone may see of a public profile.
    pub(crate) fn public_view(&self) -> Value {
        json!({
            "id": self.id(),
            "username": self.user.username(),
            "display_name": self.display_name,
            "city": self.city,
            "private": self.private,
        })
    }

    /// `MemberSummary`: search results and leaderboard rows.
    pub(crate) fn summary(&self) -> Value {
        json!({
            "id": self.id(),
            "username": self.user.username(),
            "display_name": self.display_name,
            "city": self.city,
        })
    }

    /// The `owner` embedded in a workout.
    pub(crate) fn owner_ref(&self) -> Value {
        json!({
            "id": self.id(),
            "username": self.user.username(),
            "display_name": self.display_name,
        })
    }
}

/// A recorded workout.
#[derive(Debug, Clone)]
pub(crate) struct Workout {
    pub(crate) id: u64,
    pub(crate) member_id: u64,
    pub(crate) kind: String,
    pub(crate) duration_min: u32,
    pub(crate) calories: u32,
    pub(crate) started_at: String,
    /// Free text the member may add; `null` until they do.
    pub(crate) note: Option<String>,
}

/// What a member sends to record a workout.
#[derive(Debug)]
pub(crate) struct NewWorkout {
    pub(crate) kind: String,
    pub(crate) duration_min: u32,
    pub(crate) calories: u32,
    pub(crate) note: Option<String>,
}

/// A public class.
#[derive(Debug)]
pub(crate) struct Class {
    pub(crate) id: u64,
    pub(crate) title: &'static str,
    pub(crate) instructor: &'static str,
    pub(crate) discipline: &'static str,
    pub(crate) duration_min: u32,
}

impl Class {
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "title": self.title,
            "instructor": self.instructor,
            "discipline": self.discipline,
            "duration_min": self.duration_min,
        })
    }
}

/// One member's result in one class.
#[derive(Debug)]
pub(crate) struct ClassResult {
    pub(crate) class_id: u64,
    pub(crate) rank: u32,
    pub(crate) member_id: u64,
    pub(crate) output_kj: f64,
}

/// The whole in-memory database (behind a lock in `AppState`: the write operations change it).
#[derive(Debug)]
pub(crate) struct Db {
    pub(crate) members: Vec<Member>,
    pub(crate) workouts: Vec<Workout>,
    pub(crate) classes: Vec<Class>,
    pub(crate) results: Vec<ClassResult>,
    /// The highest workout ID ever handed out.
    last_workout_id: u64,
}

impl Db {
    pub(crate) fn seed() -> Db {
        let workouts = workouts();
        Db {
            last_workout_id: workouts.iter().map(|w| w.id).max().unwrap_or(100),
            members: members(),
            workouts,
            classes: vec![
                Class {
                    id: 1,
                    title: "Sunrise Climb",
                    instructor: "Marisol Achterberg",
                    discipline: "cycling",
                    duration_min: 45,
                },
                Class {
                    id: 2,
                    title: "HIIT Inferno",
                    instructor: "Tobiah Ferreira-Lund",
                    discipline: "strength",
                    duration_min: 30,
                },
            ],
            results: vec![
                result(1, 1, DemoUser::Bob, 412.5),
                result(1, 2, DemoUser::Alice, 398.0),
                result(1, 3, DemoUser::Carol, 377.9),
                result(2, 1, DemoUser::Dave, 520.3),
                result(2, 2, DemoUser::Carol, 489.1),
            ],
        }
    }

    pub(crate) fn member(&self, id: u64) -> Option<&Member> {
        self.members.iter().find(|m| m.id() == id)
    }

    pub(crate) fn workout(&self, id: u64) -> Option<&Workout> {
        self.workouts.iter().find(|w| w.id == id)
    }

    pub(crate) fn workout_mut(&mut self, id: u64) -> Option<&mut Workout> {
        self.workouts.iter_mut().find(|w| w.id == id)
    }

    pub(crate) fn member_mut(&mut self, id: u64) -> Option<&mut Member> {
        self.members.iter_mut().find(|m| m.id() == id)
    }

    /// Records a new workout for `member_id`, starting now, with the next sequential ID (IDs
    /// of deleted workouts are not reused).
    pub(crate) fn add_workout(&mut self, member_id: u64, new: NewWorkout) -> Workout {
        self.last_workout_id += 1;
        let now = jiff::Timestamp::now();
        let workout = Workout {
            id: self.last_workout_id,
            member_id,
            kind: new.kind,
            duration_min: new.duration_min,
            calories: new.calories,
            started_at: now.round(jiff::Unit::Second).unwrap_or(now).to_string(),
            note: new.note,
        };
        self.workouts.push(workout.clone());
        workout
    }

    pub(crate) fn class(&self, id: u64) -> Option<&Class> {
        self.classes.iter().find(|c| c.id == id)
    }

    /// The `Workout` schema, with its `owner` embedded.
    pub(crate) fn workout_json(&self, w: &Workout) -> Value {
        json!({
            "id": w.id,
            "member_id": w.member_id,
            "kind": w.kind,
            "duration_min": w.duration_min,
            "calories": w.calories,
            "started_at": w.started_at,
            "note": w.note,
            "owner": self.member(w.member_id).map_or(Value::Null, Member::owner_ref),
        })
    }
}

fn result(class_id: u64, rank: u32, user: DemoUser, output_kj: f64) -> ClassResult {
    ClassResult {
        class_id,
        rank,
        member_id: user.id(),
        output_kj,
    }
}

fn members() -> Vec<Member> {
    // The hashes are made up (bcrypt-shaped so a leak looks like the real thing); the IPs are
    // RFC 5737 documentation addresses.
    vec![
        Member {
            user: DemoUser::Alice,
            display_name: "Alice Lindqvist-Moreau".into(),
            email: "alice.lindqvist@example.test",
            city: "Tromsø".into(),
            birthday: "1988-04-12",
            weight_kg: 61.4,
            private: true,
            admin: false,
            password_hash: "$2b$12$Qm8cAdEnCeAlIcE0demoSaLtuV3kq9Zt1xWc7rB2nYp4LhGs6dJfe",
            last_login_ip: "203.0.113.41",
        },
        Member {
            user: DemoUser::Bob,
            display_name: "Bob Okonkwo-Hale".into(),
            email: "bob.okonkwo@example.test",
            city: "Valparaíso".into(),
            birthday: "1979-11-03",
            weight_kg: 88.2,
            private: true,
            admin: false,
            password_hash: "$2b$12$Zr4cAdEnCeBoBx0demoSaLtOe8Hw2Kp5vNq1yTs7mCb3GdLu9aXie",
            last_login_ip: "198.51.100.77",
        },
        Member {
            user: DemoUser::Carol,
            display_name: "Carol Nakamura-Byrne".into(),
            email: "carol.nakamura@example.test",
            city: "Reykjavík".into(),
            birthday: "1992-07-21",
            weight_kg: 57.9,
            private: false,
            admin: false,
            password_hash: "$2b$12$Lp2cAdEnCeCaRoL0demoSaLtIu5Rb8Nv3wHk6zQd1sFy4JmTe0oPa",
            last_login_ip: "192.0.2.130",
        },
        Member {
            user: DemoUser::Dave,
            display_name: "Dave Szczepański-Ruiz".into(),
            email: "dave.szczepanski@example.test",
            city: "Gjirokastër".into(),
            birthday: "1985-02-28",
            weight_kg: 79.6,
            private: true,
            admin: false,
            password_hash: "$2b$12$Hx7cAdEnCeDaVe00demoSaLtWy2Mg6Jc9tPb4kRn8vLe1ZsQa3iUo",
            last_login_ip: "203.0.113.188",
        },
        Member {
            user: DemoUser::Erin,
            display_name: "Erin Mbeki-Castellanos".into(),
            email: "erin.mbeki@example.test",
            city: "Ushuaia".into(),
            birthday: "1990-09-09",
            weight_kg: 66.0,
            private: true,
            admin: true,
            password_hash: "$2b$12$Vd5cAdEnCeErIn00demoSaLtGo9Tf3Xa6qLm2hSz7cBw4NkRy8uEi",
            last_login_ip: "198.51.100.9",
        },
    ]
}

fn workouts() -> Vec<Workout> {
    use DemoUser::{Alice, Bob, Carol, Dave};
    #[rustfmt::skip]
    let rows = [
        (101, Alice, "cycling", 45, 512, "2021-05-03T06:30:00Z"),
        (102, Alice, "running", 30, 331, "2021-05-05T18:10:00Z"),
        (103, Bob, "cycling", 60, 724, "2021-05-04T05:45:00Z"),
        (104, Bob, "rowing", 20, 208, "2021-05-06T19:00:00Z"),
        (105, Carol, "yoga", 40, 152, "2021-05-02T07:15:00Z"),
        (106, Dave, "strength", 35, 289, "2021-05-07T12:20:00Z"),
    ];
    rows.into_iter()
        .map(
            |(id, owner, kind, duration_min, calories, started_at)| Workout {
                id,
                member_id: owner.id(),
                kind: kind.into(),
                duration_min,
                calories,
                started_at: started_at.into(),
                note: None,
            },
        )
        .collect()
}
