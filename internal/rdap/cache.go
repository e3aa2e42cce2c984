package rdap

import (
	"container/list"
	"sync"
	"time"
)

// cache keeps answers by query for a time, up to a number of entries; when
// full it drops the entry stored longest ago.
type cache struct {
	mu    sync.Mutex
	ttl   time.Duration
	size  int
	items map[string]*list.Element
	order *list.List // of *cacheItem, oldest at the front
}

type cacheItem struct {
	key     string
	answer  Answer
	expires time.Time
}

func newCache(ttl time.Duration, size int) *cache {
	return &cache{ttl: ttl, size: size, items: map[string]*list.Element{}, order: list.New()}
}

func (c *cache) get(key string, now time.Time) (Answer, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	if !ok {
		return Answer{}, false
	}
	it := el.Value.(*cacheItem)
	if !now.Before(it.expires) {
		c.order.Remove(el)
		delete(c.items, key)
		return Answer{}, false
	}
	a := it.answer
	a.Body = append([]byte(nil), a.Body...) // a caller changing its copy cannot change the cache's
	return a, true
}

func (c *cache) put(key string, a Answer, now time.Time) {
	if c.size <= 0 || c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		c.order.Remove(el)
		delete(c.items, key)
	}
	for c.order.Len() >= c.size {
		front := c.order.Front()
		c.order.Remove(front)
		delete(c.items, front.Value.(*cacheItem).key)
	}
	c.items[key] = c.order.PushBack(&cacheItem{key: key, answer: a, expires: now.Add(c.ttl)})
}

func (c *cache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.items)
}
