// Package cache is the stat cache of an FTP host: a size-bounded LRU map from
// slash-separated remote paths to values (stat results), with ftputil's
// StatCache behaviour: resize, invalidate, clear, enable and disable, a
// maximum age checked on lookup, and automatic growth for large listings.
//
// Keys are expected to be clean absolute paths ("/a/b", as path.Clean gives
// them); the cache knows nothing else about FTP. Beyond ftputil, it can drop
// a whole directory tree (InvalidateTree) in time proportional to the
// entries dropped, through an index of the keys by path component.
//
// A Cache is safe for concurrent use by several goroutines.
package cache

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// DefaultSize is the capacity of a new cache, as ftputil's (5000 entries).
const DefaultSize = 5000

// ErrSize is wrapped by the error Resize returns for a size below 1.
var ErrSize = errors.New("cache: size must be positive")

// Cache is an LRU cache of values by path. Both lookups and stores make an
// entry the most recently used. See the package comment.
type Cache[V any] struct {
	// Now is the clock for the maximum age; nil means time.Now. Set it
	// before the cache is used by more than one goroutine.
	Now func() time.Time

	mu       sync.Mutex
	lru      *simplelru.LRU[string, entry[V]]
	size     int
	enabled  bool
	maxAge   time.Duration
	root     *node // index of the keys by path component
	clearing bool  // Clear is purging: leave the index alone
}

type entry[V any] struct {
	value  V
	stored time.Time
	node   *node
}

// New returns an enabled, empty cache for size entries (DefaultSize if size
// is below 1), whose entries never expire.
func New[V any](size int) *Cache[V] {
	if size < 1 {
		size = DefaultSize
	}
	c := &Cache[V]{size: size, enabled: true, root: &node{}}
	lru, err := simplelru.NewLRU(size, c.evicted)
	if err != nil { // only for size < 1
		panic(err)
	}
	c.lru = lru
	return c
}

func (c *Cache[V]) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// evicted is the LRU's callback for every entry it drops (Remove, eviction,
// Resize, Purge); c.mu is held.
func (c *Cache[V]) evicted(_ string, e entry[V]) {
	if !c.clearing {
		c.root.remove(e.node)
	}
}

// Get returns the value stored for key, if the cache is enabled, holds key
// and the entry is not older than the maximum age. An expired entry is
// dropped. A hit makes the entry the most recently used.
func (c *Cache[V]) Get(key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.get(key)
}

func (c *Cache[V]) get(key string) (v V, ok bool) {
	if !c.enabled {
		return v, false
	}
	e, ok := c.lru.Get(key)
	if !ok {
		return v, false
	}
	if c.maxAge > 0 && c.now().Sub(e.stored) > c.maxAge {
		c.lru.Remove(key)
		return v, false
	}
	return e.value, true
}

// Contains reports whether Get would find key (and, like Get, drops an
// expired entry and makes a found one the most recently used), as
// ftputil's "path in cache".
func (c *Cache[V]) Contains(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.get(key)
	return ok
}

// Set stores value for key, as the most recently used entry, evicting the
// least recently used one if the cache is full. Its age starts now. While
// the cache is disabled, Set does nothing.
func (c *Cache[V]) Set(key string, value V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.enabled {
		return
	}
	e := entry[V]{value: value, stored: c.now()}
	if old, ok := c.lru.Peek(key); ok {
		e.node = old.node
	} else {
		e.node = c.root.insert(key)
	}
	c.lru.Add(key, e)
}

// Invalidate drops the entry for key, if there is one.
func (c *Cache[V]) Invalidate(key string) {
	c.mu.Lock()
	c.lru.Remove(key)
	c.mu.Unlock()
}

// InvalidateTree drops the entry for dir and those of every path below it.
// With d being dir without a trailing slash, it drops the keys dir, d and
// those that start with d+"/"; so "/a" and "/a/" both drop "/a", "/a/" and
// "/a/b", not "/ab", and "/" drops every absolute path. An empty dir drops
// only the key "". It returns how many entries it dropped.
// Its cost is proportional to the number of entries dropped plus the depth
// of dir, not to the size of the cache.
func (c *Cache[V]) InvalidateTree(dir string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if dir == "" {
		if c.lru.Remove("") {
			return 1
		}
		return 0
	}
	n := 0
	if c.lru.Remove(dir) { // "/a/" itself; "/a" is in the subtree below
		n++
	}
	top := c.root.find(strings.TrimSuffix(dir, "/"))
	if top == nil {
		return n
	}
	for _, k := range top.keys(nil) {
		if c.lru.Remove(k) {
			n++
		}
	}
	return n
}

// Clear drops every entry.
func (c *Cache[V]) Clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.clearing = true
	c.lru.Purge()
	c.clearing = false
	c.root = &node{}
}

// Resize sets the capacity to size entries, dropping the least recently
// used entries if there are more. A size below 1 is an error wrapping
// ErrSize, and changes nothing (ftputil raises ValueError).
func (c *Cache[V]) Resize(size int) error {
	if size < 1 {
		return fmt.Errorf("cache size (%d) must be positive: %w", size, ErrSize)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lru.Resize(size)
	c.size = size
	return nil
}

// GrowFor makes room for a directory listing of n lines, as ftputil does
// before parsing one: if the cache is enabled and n is at least its
// capacity, the capacity becomes ceil(1.1*n). It never shrinks the cache.
func (c *Cache[V]) GrowFor(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.enabled && n >= c.size {
		size := int(math.Ceil(1.1 * float64(n)))
		c.lru.Resize(size)
		c.size = size
	}
}

// Size returns the capacity, in entries.
func (c *Cache[V]) Size() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.size
}

// Len returns the number of entries, which may include expired ones (as
// ftputil's len(cache)).
func (c *Cache[V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}

// Keys returns the keys, from the least to the most recently used; expired
// entries are included.
func (c *Cache[V]) Keys() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Keys()
}

// Enable makes the cache store and find entries again; entries stored
// before Disable are found again.
func (c *Cache[V]) Enable() {
	c.mu.Lock()
	c.enabled = true
	c.mu.Unlock()
}

// Disable makes Set store nothing and Get and Contains find nothing. The
// entries are kept (Invalidate, Clear, Resize and expiry still act on
// them), as in ftputil.
func (c *Cache[V]) Disable() {
	c.mu.Lock()
	c.enabled = false
	c.mu.Unlock()
}

// Enabled reports whether the cache is enabled.
func (c *Cache[V]) Enabled() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.enabled
}

// SetMaxAge sets the maximum age of entries: a lookup finds an entry only
// if at most d has passed since it was stored (Set), whatever its use since;
// an older entry is dropped. d <= 0 means entries never expire, the default
// (ftputil's max_age None). ftputil's max_age 0, under which every entry has
// expired by the time it is looked up, has no equivalent here: Disable
// serves that purpose. The new maximum applies to entries already stored.
func (c *Cache[V]) SetMaxAge(d time.Duration) {
	c.mu.Lock()
	c.maxAge = d
	c.mu.Unlock()
}

// MaxAge returns the maximum age set by SetMaxAge; 0 or less means none.
func (c *Cache[V]) MaxAge() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.maxAge
}
