// Package planner plans exam morning: it pools students into volunteer cars
// so that every student reaches their exam site before the gate closes, with
// as little driving as possible.
//
// The core is pure computation. It imports no I/O, Redis or HTTP package: a
// Problem goes in, a Plan comes out, and the caller decides where they come
// from and go to (the benchmark adapter lives in planner/examday).
//
// Times are Seconds since local midnight on the exam day; distances are
// whole road metres from the TravelModel, rounded exactly as the exam-day
// benchmark (gen.py) rounds them, so the planner's kilometres and the
// scorer's agree.
//
// The search is a construction by cheapest insertion followed by a large
// neighbourhood search (string removals and greedy re-insertion with
// simulated annealing, after Christiaens and Vanden Berghe's SISR). It is
// deterministic for a given problem, Options.Seed and Options.MaxIterations;
// Options.Budget and the context only stop it early.
package planner
