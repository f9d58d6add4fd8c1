package main

import (
	"context"
	"net"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// redisCounter counts the commands this instance sends to Redis and the
// round trips they take (a pipeline or transaction is one), so that the
// cost of a request can be read from /metrics (heartlink-load reports
// commands per trip).
type redisCounter struct {
	commands, roundTrips atomic.Int64
}

func (c *redisCounter) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) { return next(ctx, network, addr) }
}

func (c *redisCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.commands.Add(1)
		c.roundTrips.Add(1)
		return next(ctx, cmd)
	}
}

func (c *redisCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.commands.Add(int64(len(cmds)))
		c.roundTrips.Add(1)
		return next(ctx, cmds)
	}
}

func (c *redisCounter) collectors() []prometheus.Collector {
	return []prometheus.Collector{
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "heartlink_redis_commands_total", Help: "Commands sent to Redis (a script is one).",
		}, func() float64 { return float64(c.commands.Load()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "heartlink_redis_round_trips_total", Help: "Round trips to Redis (a pipeline or transaction is one).",
		}, func() float64 { return float64(c.roundTrips.Load()) }),
	}
}
