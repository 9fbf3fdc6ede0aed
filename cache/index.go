package cache

import "strings"

// node is a node of the index of the cache keys: a tree of path components
// ("/a/b" is "" -> "a" -> "b" below the root), so that the keys below a
// directory are found without looking at the others. Each key has its own
// node; count is the number of keys in the node's subtree, and nodes whose
// count falls to 0 are removed.
type node struct {
	parent   *node
	name     string // the path component
	children map[string]*node
	key      string // the cache key ending here, if isKey
	isKey    bool
	count    int
}

// components calls f for each component of key, split at "/" as
// strings.Split splits it (every key has at least one component).
func components(key string, f func(string)) {
	for {
		i := strings.IndexByte(key, '/')
		if i < 0 {
			f(key)
			return
		}
		f(key[:i])
		key = key[i+1:]
	}
}

// insert adds key, which must not be in the index yet, and returns its node.
func (root *node) insert(key string) *node {
	n := root
	components(key, func(c string) {
		n.count++
		child := n.children[c]
		if child == nil {
			if n.children == nil {
				n.children = make(map[string]*node)
			}
			child = &node{parent: n, name: c}
			n.children[c] = child
		}
		n = child
	})
	n.count++
	n.key, n.isKey = key, true
	return n
}

// remove takes the key of node n out of the index.
func (root *node) remove(n *node) {
	if n == nil || !n.isKey {
		return
	}
	n.key, n.isKey = "", false
	for ; n != nil; n = n.parent {
		n.count--
		if n.count == 0 && n.parent != nil {
			delete(n.parent.children, n.name)
		}
	}
}

// find returns the node of the path dir, or nil if no key is at or below it.
func (root *node) find(dir string) *node {
	n := root
	components(dir, func(c string) {
		if n != nil {
			n = n.children[c]
		}
	})
	return n
}

// keys appends the keys at and below n to dst.
func (n *node) keys(dst []string) []string {
	if n.isKey {
		dst = append(dst, n.key)
	}
	for _, c := range n.children {
		dst = c.keys(dst)
	}
	return dst
}
