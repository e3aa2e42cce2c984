package match

import (
	"strings"
	"testing"
)

// repost is lurePosts[0] as it is posted again: another phone number, an
// amount and a few words changed, the layout touched.
const repost = "【急募】ホワイト案件です!! 日給6万円から、即日即金。簡単な書類運搬のお仕事です。" +
	"詳細はDMで応募された方のみにお伝えします。連絡先 080-9876-5432"

func TestSimHash64(t *testing.T) {
	if SimHash64("") != 0 {
		t.Error("the empty text does not hash to 0")
	}
	if SimHash64("高") == 0 || SimHash64("高額") == SimHash64("即金") {
		t.Error("short texts are not told apart")
	}
	a := lurePosts[0]
	if d := Distance(SimHash64(a), SimHash64(a)); d != 0 {
		t.Errorf("the same text is %d apart", d)
	}
	// Written another way, the same post is the same post.
	if d := Distance(SimHash64(a), SimHash64(fullWidth(halfWidth(a)))); d != 0 {
		t.Errorf("the same post written in other widths is %d apart", d)
	}
	// Another phone number alone changes nothing: digits are read as 0.
	phone := strings.Replace(a, "090-1234-5678", "080-9876-5432", 1)
	if d := Distance(SimHash64(a), SimHash64(phone)); d != 0 {
		t.Errorf("a new phone number moves the fingerprint %d bits", d)
	}
}

func TestDistance(t *testing.T) {
	if Distance(0, ^uint64(0)) != 64 || Distance(0b1011, 0b0001) != 2 || Distance(7, 7) != 0 {
		t.Error("Distance is not the Hamming distance")
	}
}

// TestClustersThreshold holds the figures DefaultThreshold rests on:
// reposts near, different posts on the same subject far.
func TestClustersThreshold(t *testing.T) {
	d := Distance(SimHash64(lurePosts[0]), SimHash64(repost))
	t.Logf("repost: %d bits", d)
	if d > DefaultThreshold {
		t.Errorf("the repost is %d bits away, beyond %d", d, DefaultThreshold)
	}
	nearest := 64
	for i, a := range lurePosts {
		for _, b := range lurePosts[i+1:] {
			nearest = min(nearest, Distance(SimHash64(a), SimHash64(b)))
		}
		for _, s := range neutralCorpus {
			nearest = min(nearest, Distance(SimHash64(a), SimHash64(s)))
		}
	}
	t.Logf("nearest of different posts: %d bits", nearest)
	if nearest <= DefaultThreshold {
		t.Errorf("two different posts are %d bits apart, within %d", nearest, DefaultThreshold)
	}
}

func TestClusters(t *testing.T) {
	c := NewClusters(0)
	first, _ := c.Add("page-1", SimHash64(lurePosts[0]))
	again, d := c.Add("page-2", SimHash64(repost))
	other, _ := c.Add("page-3", SimHash64(lurePosts[4]))
	ordinary, _ := c.Add("page-4", SimHash64(strings.Join(neutralCorpus[:5], "")))
	if again != first || d == 0 || d > DefaultThreshold {
		t.Errorf("the repost went to cluster %d at %d bits, the post is in %d", again, d, first)
	}
	if other == first || ordinary == first || ordinary == other {
		t.Errorf("clusters: post %d, other post %d, ordinary text %d", first, other, ordinary)
	}
	all := c.All()
	if len(all) != 3 || len(all[0].Pages) != 2 || all[0].Pages[1] != "page-2" || all[0].ID != 1 {
		t.Errorf("clusters = %+v", all)
	}
	all[0].Pages[0] = "changed"
	if c.All()[0].Pages[0] != "page-1" {
		t.Error("All shares its pages with the clusters")
	}
}
