package cache

import (
	"errors"
	"fmt"
	"math"
	"math/rand"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// clock is a settable clock for the maximum age.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

func newTest(size int) (*Cache[int], *clock) {
	clk := &clock{t: time.Date(2022, 6, 15, 12, 0, 0, 0, time.UTC)}
	c := New[int](size)
	c.Now = clk.now
	return c, clk
}

// check verifies the index against the LRU: every key has its node, and
// the counts add up.
func check(t *testing.T, c *Cache[int]) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	keys := c.lru.Keys()
	if c.root.count != len(keys) {
		t.Fatalf("index counts %d keys, LRU holds %d", c.root.count, len(keys))
	}
	for _, k := range keys {
		e, _ := c.lru.Peek(k)
		if e.node == nil || !e.node.isKey || e.node.key != k || c.root.find(k) != e.node {
			t.Fatalf("key %q: bad index node %+v", k, e.node)
		}
	}
	var walk func(n *node) int
	walk = func(n *node) int {
		sum := 0
		if n.isKey {
			sum++
		}
		for name, ch := range n.children {
			if ch.parent != n || ch.name != name {
				t.Fatalf("bad links at %q", name)
			}
			sum += walk(ch)
		}
		if sum != n.count || (n.parent != nil && sum == 0) {
			t.Fatalf("node %q: count %d, %d keys below", n.name, n.count, sum)
		}
		return sum
	}
	walk(c.root)
}

func TestNew(t *testing.T) {
	for _, tt := range []struct{ in, size int }{{0, DefaultSize}, {-3, DefaultSize}, {1, 1}, {7, 7}} {
		c := New[string](tt.in)
		if c.Size() != tt.size || c.Len() != 0 || !c.Enabled() || c.MaxAge() != 0 {
			t.Errorf("New(%d): size %d len %d enabled %v maxAge %v", tt.in, c.Size(), c.Len(), c.Enabled(), c.MaxAge())
		}
	}
	if DefaultSize != 5000 {
		t.Errorf("DefaultSize = %d, ftputil's is 5000", DefaultSize)
	}
}

func TestGetSet(t *testing.T) {
	c, _ := newTest(3)
	if _, ok := c.Get("/a"); ok {
		t.Fatal("hit in an empty cache")
	}
	c.Set("/a", 1)
	c.Set("/b", 2)
	c.Set("/a", 10) // replaces, and makes /a the most recent
	if v, ok := c.Get("/a"); !ok || v != 10 {
		t.Fatalf("Get(/a) = %v, %v", v, ok)
	}
	if c.Len() != 2 || !slices.Equal(c.Keys(), []string{"/b", "/a"}) {
		t.Fatalf("len %d keys %v", c.Len(), c.Keys())
	}
	c.Set("/c", 3)
	c.Get("/b") // now /a is the least recently used
	c.Set("/d", 4)
	if c.Contains("/a") || !c.Contains("/b") || !c.Contains("/c") || !c.Contains("/d") {
		t.Fatalf("LRU eviction: keys %v", c.Keys())
	}
	check(t, c)
}

func TestContainsUpdatesRecency(t *testing.T) {
	c, _ := newTest(2)
	c.Set("/a", 1)
	c.Set("/b", 2)
	if !c.Contains("/a") { // as ftputil's "in", a lookup: /a becomes the most recent
		t.Fatal("Contains(/a) = false")
	}
	c.Set("/c", 3)
	if !slices.Equal(c.Keys(), []string{"/a", "/c"}) {
		t.Fatalf("keys %v, want [/a /c]", c.Keys())
	}
}

func TestResize(t *testing.T) {
	c, _ := newTest(5)
	for i := 1; i <= 5; i++ {
		c.Set(fmt.Sprintf("/d/%d", i), i)
	}
	c.Get("/d/1")
	if err := c.Resize(2); err != nil {
		t.Fatal(err)
	}
	if c.Size() != 2 || !slices.Equal(c.Keys(), []string{"/d/5", "/d/1"}) {
		t.Fatalf("after shrinking: size %d keys %v", c.Size(), c.Keys())
	}
	check(t, c)
	for _, n := range []int{0, -1} {
		err := c.Resize(n)
		if !errors.Is(err, ErrSize) || err.Error() != fmt.Sprintf("cache size (%d) must be positive: cache: size must be positive", n) {
			t.Errorf("Resize(%d) = %v", n, err)
		}
	}
	if c.Size() != 2 || c.Len() != 2 {
		t.Fatalf("a failed Resize changed the cache: size %d len %d", c.Size(), c.Len())
	}
	if err := c.Resize(10); err != nil || c.Size() != 10 || c.Len() != 2 {
		t.Fatalf("growing: %v size %d len %d", err, c.Size(), c.Len())
	}
}

func TestGrowFor(t *testing.T) {
	tests := []struct {
		size, lines, want int
		disabled          bool
	}{
		{2, 12, 14, false},  // ftputil: resize(2); listdir of 12 lines -> 14
		{10, 10, 11, false}, // 1.1*10 is 11.0 in float64, as in Python
		{5000, 4999, 5000, false},
		{5000, 5000, 5500, false},
		{100, 50, 100, false}, // never shrinks
		{2, 12, 2, true},      // only when enabled
	}
	for _, tt := range tests {
		c, _ := newTest(tt.size)
		if tt.disabled {
			c.Disable()
		}
		c.GrowFor(tt.lines)
		if c.Size() != tt.want {
			t.Errorf("size %d, GrowFor(%d), disabled %v: size %d, want %d", tt.size, tt.lines, tt.disabled, c.Size(), tt.want)
		}
	}
}

func TestMaxAge(t *testing.T) {
	c, clk := newTest(10)
	c.SetMaxAge(time.Second)
	c.Set("/a", 1)
	clk.advance(500 * time.Millisecond)
	c.Set("/b", 2)
	clk.advance(500 * time.Millisecond) // /a is exactly 1 s old: still valid (expired means older)
	if v, ok := c.Get("/a"); !ok || v != 1 {
		t.Fatalf("at max age: %v, %v", v, ok)
	}
	clk.advance(time.Nanosecond) // use does not refresh the age: /a expires now
	if c.Contains("/a") {
		t.Fatal("/a not expired")
	}
	if c.Len() != 1 { // the expired entry was dropped
		t.Fatalf("len %d, keys %v", c.Len(), c.Keys())
	}
	if !c.Contains("/b") {
		t.Fatal("/b expired early")
	}
	c.Set("/b", 3) // storing again restarts the age
	clk.advance(time.Second)
	if v, ok := c.Get("/b"); !ok || v != 3 {
		t.Fatalf("re-stored /b: %v, %v", v, ok)
	}
	// No maximum: entries never expire, also those already stored.
	c.SetMaxAge(0)
	clk.advance(1000 * time.Hour)
	if !c.Contains("/b") || c.MaxAge() != 0 {
		t.Fatal("/b expired without a maximum age")
	}
	c.SetMaxAge(-time.Second)
	if !c.Contains("/b") {
		t.Fatal("/b expired with a negative maximum age")
	}
	// A new maximum applies to entries already stored.
	c.SetMaxAge(time.Minute)
	if c.Contains("/b") || c.MaxAge() != time.Minute {
		t.Fatal("/b survived a lower maximum age")
	}
	check(t, c)
}

func TestEnableDisable(t *testing.T) {
	c, clk := newTest(10)
	c.Set("/a", 1)
	c.Disable()
	if c.Enabled() {
		t.Fatal("Enabled after Disable")
	}
	c.Set("/b", 2) // nothing stored
	if _, ok := c.Get("/a"); ok || c.Contains("/a") {
		t.Fatal("lookup hit while disabled")
	}
	if c.Len() != 1 {
		t.Fatalf("len %d while disabled, want the 1 entry kept", c.Len())
	}
	c.SetMaxAge(time.Second)
	clk.advance(time.Minute) // expiry is checked on lookup, after Enable
	c.Enable()
	if c.Contains("/a") || c.Contains("/b") {
		t.Fatal("expired or never stored entries found")
	}
	c.SetMaxAge(0)
	c.Set("/a", 5)
	c.Disable()
	c.Enable()
	if v, ok := c.Get("/a"); !ok || v != 5 {
		t.Fatalf("entry lost across Disable/Enable: %v, %v", v, ok)
	}
	c.Disable()
	c.Invalidate("/a") // invalidation works while disabled
	c.Enable()
	if c.Contains("/a") {
		t.Fatal("Invalidate while disabled did nothing")
	}
}

func TestInvalidate(t *testing.T) {
	c, _ := newTest(10)
	c.Set("/a", 1)
	c.Set("/a/b", 2)
	c.Invalidate("/missing") // ignored
	c.Invalidate("/a")
	if c.Contains("/a") || !c.Contains("/a/b") || c.Len() != 1 {
		t.Fatalf("keys %v", c.Keys())
	}
	check(t, c)
}

func TestInvalidateTree(t *testing.T) {
	keys := []string{"/", "/a", "/a/b", "/a/b/c", "/a/x y", "/ab", "/a b", "/b/a", "/a/b/c/d/e/f"}
	tests := []struct {
		dir  string
		gone []string
	}{
		{"/a", []string{"/a", "/a/b", "/a/b/c", "/a/x y", "/a/b/c/d/e/f"}},
		{"/a/", []string{"/a", "/a/b", "/a/b/c", "/a/x y", "/a/b/c/d/e/f"}},
		{"/a/b", []string{"/a/b", "/a/b/c", "/a/b/c/d/e/f"}},
		{"/a/b/c/d", []string{"/a/b/c/d/e/f"}}, // /a/b/c/d itself is not cached
		{"/", keys},
		{"/nothing", nil},
		{"/a/b/c/d/e/f", []string{"/a/b/c/d/e/f"}},
	}
	for _, tt := range tests {
		c, _ := newTest(100)
		for i, k := range keys {
			c.Set(k, i)
		}
		if n := c.InvalidateTree(tt.dir); n != len(tt.gone) {
			t.Errorf("InvalidateTree(%q) = %d, want %d", tt.dir, n, len(tt.gone))
		}
		for _, k := range keys {
			if c.Contains(k) == slices.Contains(tt.gone, k) {
				t.Errorf("InvalidateTree(%q): %q present = %v", tt.dir, k, c.Contains(k))
			}
		}
		check(t, c)
	}
	c, _ := newTest(10)
	c.Set("", 1)
	c.Set("/a", 2)
	if n := c.InvalidateTree(""); n != 1 || c.Len() != 1 {
		t.Errorf(`InvalidateTree("") = %d, len %d`, n, c.Len())
	}
}

// TestInvalidateTreeAfterEviction checks that evicted and expired entries
// leave the index.
func TestInvalidateTreeAfterEviction(t *testing.T) {
	c, clk := newTest(3)
	c.Set("/d/1", 1)
	c.Set("/d/2", 2)
	c.Set("/d/3", 3)
	c.Set("/e/1", 4) // evicts /d/1
	check(t, c)
	if n := c.InvalidateTree("/d"); n != 2 {
		t.Fatalf("InvalidateTree(/d) = %d, want 2", n)
	}
	c.SetMaxAge(time.Second)
	c.Set("/f/1", 5)
	clk.advance(2 * time.Second)
	c.Get("/e/1") // expired: dropped
	check(t, c)
	if c.Len() != 1 {
		t.Fatalf("keys %v", c.Keys())
	}
}

func TestClear(t *testing.T) {
	c, _ := newTest(10)
	c.Set("/a", 1)
	c.Set("/a/b", 2)
	c.Clear()
	if c.Len() != 0 || c.Contains("/a") || c.Size() != 10 {
		t.Fatalf("after Clear: len %d size %d", c.Len(), c.Size())
	}
	check(t, c)
	c.Set("/a/b", 3)
	if n := c.InvalidateTree("/a"); n != 1 {
		t.Fatalf("InvalidateTree after Clear = %d", n)
	}
	check(t, c)
}

// TestModel runs random operations against the cache and a simple model of
// it (a list in LRU order), checking every result and the index.
func TestModel(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	c, clk := newTest(8)
	type item struct {
		key    string
		value  int
		stored time.Time
	}
	var model []item // least recently used first
	size, enabled, maxAge := 8, true, time.Duration(0)
	find := func(k string) int {
		for i, it := range model {
			if it.key == k {
				return i
			}
		}
		return -1
	}
	names := []string{"", "a", "b", "a b", "c"}
	randKey := func() string {
		var b strings.Builder
		for d := 1 + rng.Intn(4); d > 0; d-- {
			b.WriteString("/" + names[rng.Intn(len(names))])
		}
		return b.String()
	}
	expired := func(it item) bool { return maxAge > 0 && clk.t.Sub(it.stored) > maxAge }
	for step := 0; step < 20000; step++ {
		switch op := rng.Intn(100); {
		case op < 35:
			k, v := randKey(), rng.Int()
			c.Set(k, v)
			if enabled {
				if i := find(k); i >= 0 {
					model = slices.Delete(model, i, i+1)
				}
				model = append(model, item{k, v, clk.t})
				if len(model) > size {
					model = model[1:]
				}
			}
		case op < 65:
			k := randKey()
			v, ok := c.Get(k)
			wantOK := false
			if i := find(k); i >= 0 && enabled {
				it := model[i]
				model = slices.Delete(model, i, i+1)
				if !expired(it) {
					model = append(model, it)
					wantOK = v == it.value
				}
			}
			if ok != wantOK {
				t.Fatalf("step %d: Get(%q) = %v, %v; model %v", step, k, v, ok, model)
			}
		case op < 72:
			k := randKey()
			c.Invalidate(k)
			if i := find(k); i >= 0 {
				model = slices.Delete(model, i, i+1)
			}
		case op < 78:
			dir := randKey()
			n := c.InvalidateTree(dir)
			want := 0
			d := strings.TrimSuffix(dir, "/")
			model = slices.DeleteFunc(model, func(it item) bool {
				if it.key == dir || dir != "" && (it.key == d || strings.HasPrefix(it.key, d+"/")) {
					want++
					return true
				}
				return false
			})
			if n != want {
				t.Fatalf("step %d: InvalidateTree(%q) = %d, want %d", step, dir, n, want)
			}
		case op < 82:
			size = 1 + rng.Intn(12)
			c.Resize(size)
			if len(model) > size {
				model = model[len(model)-size:]
			}
		case op < 85:
			n := rng.Intn(16)
			c.GrowFor(n)
			if enabled && n >= size {
				size = int(math.Ceil(1.1 * float64(n)))
			}
		case op < 88:
			enabled = !enabled
			if enabled {
				c.Enable()
			} else {
				c.Disable()
			}
		case op < 91:
			maxAge = time.Duration(rng.Intn(4)) * time.Second
			c.SetMaxAge(maxAge)
		case op < 99:
			clk.advance(time.Duration(rng.Intn(1500)) * time.Millisecond)
		default:
			c.Clear()
			model = nil
		}
		var want []string
		for _, it := range model {
			want = append(want, it.key)
		}
		if got := c.Keys(); !slices.Equal(got, want) || c.Size() != size {
			t.Fatalf("step %d: keys %v size %d; model %v size %d", step, got, c.Size(), want, size)
		}
		if step%100 == 0 {
			check(t, c)
		}
	}
}

func TestConcurrent(t *testing.T) {
	c := New[int](50)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			rng := rand.New(rand.NewSource(int64(g)))
			for i := 0; i < 3000; i++ {
				k := fmt.Sprintf("/d%d/f%d", rng.Intn(4), rng.Intn(40))
				switch rng.Intn(10) {
				case 0, 1, 2:
					c.Set(k, i)
				case 3, 4, 5:
					c.Get(k)
				case 6:
					c.InvalidateTree(fmt.Sprintf("/d%d", rng.Intn(4)))
				case 7:
					c.Resize(20 + rng.Intn(60))
				case 8:
					c.GrowFor(rng.Intn(100))
					c.Contains(k)
				case 9:
					if rng.Intn(50) == 0 {
						c.Clear()
					}
					c.Len()
					c.Keys()
				}
			}
		}(g)
	}
	wg.Wait()
	check(t, c)
	keys := c.Keys()
	sort.Strings(keys)
	if len(keys) != c.Len() || len(keys) > c.Size() {
		t.Fatalf("len %d, %d keys, size %d", c.Len(), len(keys), c.Size())
	}
}

func ExampleCache() {
	c := New[string](2)
	c.Set("/pub/a.txt", "stat of a.txt")
	c.Set("/pub/sub/b.txt", "stat of b.txt")
	fmt.Println(c.Len(), c.Contains("/pub/a.txt"))
	fmt.Println(c.InvalidateTree("/pub"), c.Len())
	c.GrowFor(12) // a 12-line listing: room for ceil(1.1*12) entries
	fmt.Println(c.Size())
	// Output:
	// 2 true
	// 2 0
	// 14
}

// BenchmarkInvalidateTree drops and refills a 10-entry directory in caches
// of different sizes: the cost does not grow with the cache.
func BenchmarkInvalidateTree(b *testing.B) {
	for _, n := range []int{1000, 100000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			c := New[int](n + 10)
			for i := 0; i < n; i++ {
				c.Set(fmt.Sprintf("/other/d%d/f%d", i%100, i), i)
			}
			keys := make([]string, 10)
			for i := range keys {
				keys[i] = fmt.Sprintf("/pub/dir/f%d", i)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for j, k := range keys {
					c.Set(k, j)
				}
				if c.InvalidateTree("/pub/dir") != 10 {
					b.Fatal("wrong count")
				}
			}
		})
	}
}
