package staff

import (
	"context"
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"qingfeng/intake"
	"qingfeng/internal/redistest"
)

func TestBodiesTree(t *testing.T) {
	rdb := redistest.Client(t)
	d := NewDirectory(rdb, redistest.Namespace(t, rdb), testSealer(t))
	d.Cost = bcrypt.MinCost
	ctx := context.Background()
	bad := []struct{ file, want string }{
		{"- {id: a}", "unique id and a name"},
		{"- {id: a, name: A}\n- {id: a, name: B}", "unique id"},
		{"- {id: a, name: A, parent: z}", "parent z"},
		{"- {id: a, name: A, parent: b}\n- {id: b, name: B, parent: a}", "own ancestor"},
		{"- {id: a|b, name: A}", "without spaces"},
		{"[", "parse bodies"},
	}
	for _, tt := range bad {
		if _, err := d.LoadBodies(ctx, []byte(tt.file)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: %v, want %q", tt.file, err, tt.want)
		}
	}
	if _, err := d.LoadBodies(ctx, []byte("- {id: city, name: 市}\n- {id: county, name: 县, parent: city}\n- {id: town, name: 镇, parent: county}\n- {id: other, name: 乙县, parent: city}")); err != nil {
		t.Fatal(err)
	}
	for root, want := range map[string][]string{"county": {"county", "town"}, "city": {"city", "county", "other", "town"}, "town": {"town"}} {
		got, err := d.Subtree(ctx, root)
		slices.Sort(got)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("Subtree(%s) = %v, %v; want %v", root, got, err, want)
		}
	}
	for _, tt := range []struct{ user, role, body, pw string }{
		{"a", "leader", "", "long enough password"},         // name too short
		{"bob", "king", "", "long enough password"},         // no such role
		{"bob", "handler", "", "long enough password"},      // handler without body
		{"bob", "handler", "ghost", "long enough password"}, // unknown body
		{"bob", "leader", "", "short"},
	} {
		if err := d.AddAccount(ctx, "root", tt.user, intake.Role(tt.role), tt.body, tt.pw); err == nil {
			t.Errorf("accepted %+v", tt)
		}
	}
	if err := d.AddAccount(ctx, "root", "bob", "handler", "town", "long enough password"); err != nil {
		t.Fatal(err)
	}
	token, csrf, err := d.Login(ctx, "bob", "long enough password", "", "1.2.3.4")
	if err != nil || token == "" || csrf == "" {
		t.Fatalf("login: %v", err)
	}
	if keys, _ := rdb.Keys(ctx, "*"+token+"*").Result(); len(keys) != 0 {
		t.Errorf("the session token is stored in the clear: %v", keys)
	}
	a, _, err := d.Session(ctx, token)
	if err != nil || a.Username != "bob" || a.Body != "town" {
		t.Errorf("session: %+v %v", a, err)
	}
	if _, _, err := d.Login(ctx, "nobody", "whatever it is", "", "1.2.3.4"); err != ErrBadLogin {
		t.Errorf("unknown user: %v", err)
	}
}

func FuzzParseBodies(f *testing.F) {
	for _, seed := range []string{"- {id: city, name: 市纪委监委}\n- {id: a, name: 甲县, parent: city}", "- {id: a, name: A, parent: b}\n- {id: b, name: B, parent: a}",
		"[", "", "- {id: 'x|y', name: X}", "- {}"} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		list, err := ParseBodies(data)
		if err != nil {
			return
		}
		parent := map[string]string{}
		for _, b := range list {
			if _, dup := parent[b.ID]; dup || b.ID == "" || strings.ContainsAny(b.ID, "|: ") {
				t.Fatalf("accepted a bad id %q in %q", b.ID, data)
			}
			parent[b.ID] = b.Parent
		}
		for _, b := range list {
			seen := map[string]bool{}
			for id := b.ID; id != ""; id = parent[id] {
				if seen[id] {
					t.Fatalf("accepted a cycle through %q in %q", id, data)
				}
				seen[id] = true
			}
		}
	})
}
