package store

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/org"
	"github.com/koban-project/koban/internal/store/pgtest"
)

// TestGrantsAndScope: grants are stored, read back, revoked (audited), and
// the SQL condition of an access scope selects exactly the rows the
// in-memory decision (access.Scope.Includes) does, on both databases.
func TestGrantsAndScope(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			now := time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)
			clock := koban.NewFixedClock(now)
			o := Options{DataDir: t.TempDir(), Clock: clock}
			if backend == "postgres" {
				o.DatabaseURL = pgtest.Database(t)
			}
			db, err := Open(t.Context(), o)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			ctx := t.Context()
			if _, err := db.SeedOrgs(ctx, org.DefaultTree()); err != nil {
				t.Fatal(err)
			}
			orgs, _ := db.Orgs(ctx)
			tree, err := org.NewTree(orgs)
			if err != nil {
				t.Fatal(err)
			}
			id := func(code string) int64 { o, _ := tree.ByCode(code); return o.ID }
			u := &auth.User{Email: "osaka@example.jp", OrgID: id("pref-27"), Role: auth.RoleInvestigator, PasswordHash: "x", CreatedAt: now}
			if err := db.CreateUser(ctx, u, audit.Entry{Actor: audit.System, Action: "user.create", ObjectType: "user"}); err != nil {
				t.Fatal(err)
			}

			// Six records: two Tokyo, one Osaka, three Hokkaido.
			if _, err := db.write.ExecContext(ctx, `CREATE TABLE scope_probe (id INTEGER PRIMARY KEY, org_id INTEGER NOT NULL)`); err != nil {
				t.Fatal(err)
			}
			owners := map[int64]string{1: "pref-13", 2: "pref-13", 3: "pref-27", 4: "pref-01", 5: "pref-01", 6: "pref-01"}
			for rid, code := range owners {
				if _, err := db.write.ExecContext(ctx, db.d.rebind(`INSERT INTO scope_probe (id, org_id) VALUES (?, ?)`), rid, id(code)); err != nil {
					t.Fatal(err)
				}
			}
			grant := func(g access.GrantRow) access.GrantRow {
				g.ObjectType, g.CreatedAt, g.Reason = "probe", now, "テスト"
				if err := db.CreateGrant(ctx, &g, audit.Entry{Actor: audit.System, Action: "grant.create"}); err != nil {
					t.Fatal(err)
				}
				return g
			}
			grant(access.GrantRow{ObjectID: 1, OrgID: id("pref-27"), Rights: []access.Right{access.View}})                                     // Tokyo's record 1 to Osaka
			grant(access.GrantRow{ObjectID: 4, UserID: u.ID, Rights: []access.Right{access.View, access.Edit}, ExpiresAt: now.Add(time.Hour)}) // to one Osaka officer, for an hour
			grant(access.GrantRow{ObjectID: 5, UserID: u.ID, Rights: []access.Right{access.View}, ExpiresAt: now.Add(-time.Second)})           // ended
			revoked := grant(access.GrantRow{ObjectID: 6, OrgID: id("pref-27"), Rights: []access.Right{access.View}})
			if err := db.RevokeGrant(ctx, revoked.ID, now, audit.Entry{Actor: audit.System, Action: "grant.revoke", ObjectType: "probe", ObjectID: "6"}); err != nil {
				t.Fatal(err)
			}
			if err := db.RevokeGrant(ctx, revoked.ID, now, audit.Entry{Actor: audit.System, Action: "grant.revoke", ObjectType: "probe", ObjectID: "6"}); koban.ErrorCode(err) != koban.NotFound {
				t.Errorf("revoking twice: %v, want NotFound", err)
			}
			got, err := db.GrantsOn(ctx, "probe", 4)
			if err != nil || len(got) != 1 || got[0].UserID != u.ID || got[0].OrgID != 0 || !slices.Equal(got[0].Rights, []access.Right{access.View, access.Edit}) ||
				!got[0].ExpiresAt.Equal(now.Add(time.Hour)) || got[0].Reason != "テスト" || !got[0].RevokedAt.IsZero() {
				t.Fatalf("GrantsOn(4) = %+v, %v", got, err)
			}
			if rows, _ := db.AuditOf(ctx, "probe", "6"); len(rows) != 2 || rows[1].Action != "grant.revoke" {
				t.Errorf("audit of record 6: %+v", rows)
			}

			d := access.New(db, func() *org.Tree { return tree }, clock)
			for _, tc := range []struct {
				name  string
				p     auth.Principal
				right access.Right
				want  []int64
			}{
				{"Osaka officer views", auth.Principal{UserID: u.ID, OrgID: id("pref-27"), Role: auth.RoleInvestigator}, access.View, []int64{1, 3, 4}},
				{"Osaka officer edits", auth.Principal{UserID: u.ID, OrgID: id("pref-27"), Role: auth.RoleInvestigator}, access.Edit, []int64{3, 4}},
				{"another Osaka officer", auth.Principal{UserID: 999, OrgID: id("pref-27"), Role: auth.RoleInvestigator}, access.View, []int64{1, 3}},
				{"the Kinki bureau above Osaka", auth.Principal{UserID: 998, OrgID: id("rpb-kinki"), Role: auth.RoleSupervisor}, access.View, []int64{1, 3}},
				{"Tokyo", auth.Principal{UserID: 997, OrgID: id("pref-13"), Role: auth.RoleInvestigator}, access.View, []int64{1, 2}},
				{"NPA", auth.Principal{UserID: 996, OrgID: id("npa"), Role: auth.RoleSupervisor}, access.View, []int64{1, 2, 3, 4, 5, 6}},
				{"partner", auth.Principal{UserID: 995, OrgID: id("npa"), Role: auth.RolePartner}, access.View, nil},
			} {
				s := d.ScopeOf(tc.p, "probe", tc.right)
				cond, args := scopeWhere(s, "p.org_id", "p.id")
				rows, err := db.read.QueryContext(ctx, db.d.rebind(`SELECT p.id FROM scope_probe p WHERE `+cond+` ORDER BY p.id`), args...)
				if err != nil {
					t.Fatalf("%s: %v", tc.name, err)
				}
				var ids []int64
				for rows.Next() {
					var rid int64
					rows.Scan(&rid)
					ids = append(ids, rid)
				}
				rows.Close()
				if !slices.Equal(ids, tc.want) {
					t.Errorf("%s: SQL scope %v, want %v", tc.name, ids, tc.want)
				}
				// The single decision agrees with the list.
				for rid := int64(1); rid <= 6; rid++ {
					ok, err := d.Can(context.Background(), tc.p, tc.right, access.Object{Type: "probe", ID: rid, OrgID: id(owners[rid])})
					if err != nil {
						t.Fatal(err)
					}
					if ok != slices.Contains(tc.want, rid) {
						t.Errorf("%s: Can(record %d) = %v, the list says %v", tc.name, rid, ok, !ok)
					}
				}
			}
		})
	}
}
