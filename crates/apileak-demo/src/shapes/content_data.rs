//! Seed data of the content shape ("Quill"): the demo users' public profiles, who follows
//! whom, published articles and drafts, comments, and reading lists (collections).
//!
//! Fixed and read-only (the shape has no write operations); only the tokens are random (see
//! `content.rs`).

use serde_json::{Value, json};

use crate::data::DemoUser;

/// A writer: the private part (`email`) only ever goes to the writer themself.
#[derive(Debug)]
pub(crate) struct Writer {
    pub(crate) user: DemoUser,
    pub(crate) email: &'static str,
    pub(crate) bio: &'static str,
    pub(crate) image: &'static str,
}

/// An article; `published: false` is a draft only its author may read.
#[derive(Debug)]
pub(crate) struct Article {
    pub(crate) slug: &'static str,
    pub(crate) title: &'static str,
    pub(crate) description: &'static str,
    pub(crate) body: &'static str,
    pub(crate) tags: &'static [&'static str],
    pub(crate) author: DemoUser,
    pub(crate) published: bool,
    pub(crate) created_at: &'static str,
}

/// A comment on a published article.
#[derive(Debug)]
pub(crate) struct Comment {
    pub(crate) id: u64,
    pub(crate) article: &'static str,
    pub(crate) author: DemoUser,
    pub(crate) body: &'static str,
    pub(crate) created_at: &'static str,
}

/// A reading list: private to its owner, plus whoever it is shared with.
#[derive(Debug)]
pub(crate) struct Collection {
    pub(crate) id: &'static str,
    pub(crate) owner: DemoUser,
    pub(crate) name: &'static str,
    pub(crate) note: &'static str,
    pub(crate) articles: &'static [&'static str],
    pub(crate) shared_with: &'static [DemoUser],
}

/// Everything the content shape serves.
#[derive(Debug)]
pub(crate) struct Library {
    pub(crate) writers: Vec<Writer>,
    /// (follower, followed)
    pub(crate) follows: Vec<(DemoUser, DemoUser)>,
    pub(crate) articles: Vec<Article>,
    pub(crate) comments: Vec<Comment>,
    pub(crate) collections: Vec<Collection>,
}

impl Library {
    pub(crate) fn writer(&self, user: DemoUser) -> Option<&Writer> {
        self.writers.iter().find(|w| w.user == user)
    }

    pub(crate) fn follows(&self, follower: DemoUser, followed: DemoUser) -> bool {
        self.follows.contains(&(follower, followed))
    }

    /// The declared `Profile` schema of `user`, as `viewer` sees it (`following` is about
    /// the viewer; anonymous viewers follow no one).
    pub(crate) fn profile(&self, user: DemoUser, viewer: Option<DemoUser>) -> Value {
        let (bio, image) = self.writer(user).map_or(("", ""), |w| (w.bio, w.image));
        json!({
            "username": user.username(),
            "bio": bio,
            "image": image,
            "following": viewer.is_some_and(|v| self.follows(v, user)),
        })
    }

    /// The declared `Article` schema.
    pub(crate) fn article_json(&self, a: &Article, viewer: Option<DemoUser>) -> Value {
        json!({
            "slug": a.slug,
            "title": a.title,
            "description": a.description,
            "body": a.body,
            "tagList": a.tags,
            "published": a.published,
            "createdAt": a.created_at,
            "author": self.profile(a.author, viewer),
        })
    }

    /// The declared `Comment` schema.
    pub(crate) fn comment_json(&self, c: &Comment, viewer: Option<DemoUser>) -> Value {
        json!({
            "id": c.id,
            "body": c.body,
            "createdAt": c.created_at,
            "author": self.profile(c.author, viewer),
        })
    }

    /// The declared `Collection` schema.
    pub(crate) fn collection_json(&self, c: &Collection, viewer: Option<DemoUser>) -> Value {
        json!({
            "id": c.id,
            "name": c.name,
            "note": c.note,
            "articles": c.articles,
            "sharedWith": c.shared_with.iter().map(|u| u.username()).collect::<Vec<_>>(),
            "owner": self.profile(c.owner, viewer),
        })
    }

    pub(crate) fn seed() -> Library {
        use DemoUser::{Alice, Bob, Carol, Dave, Erin};
        Library {
            writers: vec![
                writer(
                    Alice,
                    "alice.lindqvist@example.test",
                    "Potter in Tromsø. Writes about kilns, glazes and winter light.",
                    "https://cdn.quill.example/avatars/alice.jpg",
                ),
                writer(
                    Bob,
                    "bob.okonkwo@example.test",
                    "Frame builder in Valparaíso. Steel, hills, and the occasional rant about tolerances.",
                    "https://cdn.quill.example/avatars/bob.jpg",
                ),
                writer(
                    Carol,
                    "carol.nakamura@example.test",
                    "Designer. Type, grids and long walks.",
                    "https://cdn.quill.example/avatars/carol.jpg",
                ),
                writer(
                    Dave,
                    "dave.szczepanski@example.test",
                    "Tiles and mosaics.",
                    "https://cdn.quill.example/avatars/dave.jpg",
                ),
                writer(
                    Erin,
                    "erin.mbeki@example.test",
                    "Guide at the end of the world.",
                    "https://cdn.quill.example/avatars/erin.jpg",
                ),
            ],
            follows: vec![(Alice, Bob), (Bob, Carol), (Carol, Alice), (Dave, Bob)],
            articles: vec![
                article(
                    Alice,
                    true,
                    "firing-a-wood-kiln-in-the-polar-night",
                    "Firing a wood kiln in the polar night",
                    "Forty hours, one kiln, no sun.",
                    "We loaded the anagama on a Tuesday in December and did not see daylight until it cooled.",
                    &["ceramics", "kilns"],
                    "2024-01-08T10:12:00Z",
                ),
                article(
                    Alice,
                    true,
                    "ash-glazes-from-birch",
                    "Ash glazes from birch",
                    "What birch ash does to a celadon.",
                    "Birch ash is low in iron, which keeps the celadon pale and cold.",
                    &["ceramics", "glazes"],
                    "2024-02-19T08:40:00Z",
                ),
                article(
                    Alice,
                    false,
                    "notes-for-the-spring-market",
                    "Notes for the spring market",
                    "Draft.",
                    "Price list still to do; ask Sigrún about the stall.",
                    &[],
                    "2024-03-02T21:05:00Z",
                ),
                article(
                    Bob,
                    true,
                    "brazing-versus-tig-for-steel-frames",
                    "Brazing versus TIG for steel frames",
                    "Why I still braze.",
                    "Fillet brazing forgives a tired builder at the end of a long week.",
                    &["bicycles", "steel"],
                    "2024-01-22T14:30:00Z",
                ),
                article(
                    Bob,
                    true,
                    "climbing-cerro-alegre-on-a-fixed-gear",
                    "Climbing Cerro Alegre on a fixed gear",
                    "Valparaíso's hills, one gear.",
                    "The cobbles on Templeman are the real test, not the gradient.",
                    &["bicycles", "valparaiso"],
                    "2024-02-27T18:02:00Z",
                ),
                article(
                    Bob,
                    false,
                    "closing-the-workshop",
                    "Closing the workshop",
                    "Draft, do not publish.",
                    "Private draft: the bank refused the loan on 14 March and I owe the landlord 3.2 million pesos. I will close Okonkwo & Hale at the end of June and tell the team after the Santiago show.",
                    &["personal"],
                    "2024-03-15T23:48:00Z",
                ),
                article(
                    Carol,
                    true,
                    "grids-that-breathe",
                    "Grids that breathe",
                    "A twelve-column grid, loosened.",
                    "Start from twelve columns, then let the margins decide.",
                    &["design", "typography"],
                    "2024-02-05T09:00:00Z",
                ),
            ],
            comments: vec![
                comment(
                    1,
                    "brazing-versus-tig-for-steel-frames",
                    Alice,
                    "Same argument as wood versus gas kilns, I think.",
                    "2024-01-23T07:15:00Z",
                ),
                comment(
                    2,
                    "brazing-versus-tig-for-steel-frames",
                    Carol,
                    "Would love photos of the fillets.",
                    "2024-01-23T11:02:00Z",
                ),
                comment(
                    3,
                    "firing-a-wood-kiln-in-the-polar-night",
                    Bob,
                    "Forty hours! How many people on the stoking rota?",
                    "2024-01-09T19:40:00Z",
                ),
                comment(
                    4,
                    "grids-that-breathe",
                    Alice,
                    "Bookmarked for the shop's new labels.",
                    "2024-02-06T12:00:00Z",
                ),
            ],
            collections: vec![
                Collection {
                    id: "rl_8kq2vz7m",
                    owner: Alice,
                    name: "Workshop reading",
                    note: "Things to try this spring.",
                    articles: &["brazing-versus-tig-for-steel-frames", "grids-that-breathe"],
                    shared_with: &[],
                },
                Collection {
                    id: "rl_3nw6tb4x",
                    owner: Bob,
                    name: "For Alice: kiln and frame crossovers",
                    note: "Shared with Alice for our joint stall.",
                    articles: &[
                        "firing-a-wood-kiln-in-the-polar-night",
                        "brazing-versus-tig-for-steel-frames",
                    ],
                    shared_with: &[Alice],
                },
                Collection {
                    id: "rl_5pj9hd2c",
                    owner: Bob,
                    name: "Buyers for the workshop tools",
                    note: "Private: asking prices before I announce the closure. Lathe 1.8M, jig 900k.",
                    articles: &["grids-that-breathe"],
                    shared_with: &[],
                },
                Collection {
                    id: "rl_7fy1mc8r",
                    owner: Carol,
                    name: "Type specimens",
                    note: "Grotesques I keep coming back to.",
                    articles: &["grids-that-breathe"],
                    shared_with: &[Dave],
                },
            ],
        }
    }
}

fn writer(user: DemoUser, email: &'static str, bio: &'static str, image: &'static str) -> Writer {
    Writer {
        user,
        email,
        bio,
        image,
    }
}

#[expect(
    clippy::too_many_arguments,
    reason = "one seed row per call, read as a table"
)]
fn article(
    author: DemoUser,
    published: bool,
    slug: &'static str,
    title: &'static str,
    description: &'static str,
    body: &'static str,
    tags: &'static [&'static str],
    created_at: &'static str,
) -> Article {
    Article {
        slug,
        title,
        description,
        body,
        tags,
        author,
        published,
        created_at,
    }
}

fn comment(
    id: u64,
    article: &'static str,
    author: DemoUser,
    body: &'static str,
    created_at: &'static str,
) -> Comment {
    Comment {
        id,
        article,
        author,
        body,
        created_at,
    }
}
