//! A weekly 10:00 London post fires at 10:00 local on both sides of the October clock change,
//! in one run of the daemon (a simulated week at 40 000 times real speed).

use std::time::Duration;

use chrono::Timelike;

use super::*;

#[tokio::test]
async fn a_weekly_ten_oclock_post_fires_at_ten_local_before_and_after_the_clocks_go_back() {
    let project = Project::new(
        "[[accounts]]\nname = \"outbox\"\nplatform = \"outbox\"\npath = \"outbox\"\n\n[publish]\ngrace_minutes = 180\n",
    );
    let campaign = project.write(
        "content/campaigns/autumn.toml",
        "name = \"Autumn\"\nstarts = 2026-10-19\nends = 2026-10-30\n\n[[recurring]]\nid = \"weekly\"\ncron = \"0 0 10 * * Wed\"\nchannels = [\"outbox\"]\ntext = \"Book your flu jab.\"\n",
    );
    project.approve(&[&campaign]);
    // 09:59:30 BST on Wednesday 21 October; the clocks go back on Sunday 25 October.
    let mut daemon = project.start(utc("2026-10-21T08:59:30Z"), 40_000.0);
    daemon.ready().await;
    let done = eventually(Duration::from_secs(60), || {
        project.rows().iter().filter(|r| r["state"] == "sent").count() >= 2
    })
    .await;
    let rows = project.rows();
    assert!(done, "{rows:#?}\n{}", daemon.logs());
    daemon.stop();
    let mut due: Vec<DateTime<Utc>> = rows.iter().map(|r| instant(&r["due_at"])).collect();
    due.sort();
    assert_eq!(due, [utc("2026-10-21T09:00:00Z"), utc("2026-10-28T10:00:00Z")]);
    for row in &rows {
        assert_eq!(row["state"], "sent", "{row:#}");
        let local = instant(&row["due_at"]).with_timezone(&chrono_tz::Europe::London);
        assert_eq!((local.hour(), local.minute()), (10, 0), "{row:#}");
        assert!(instant(&row["sent_at"]) >= instant(&row["due_at"]), "{row:#}");
    }
    assert_eq!(project.outbox("outbox").len(), 2);
}
