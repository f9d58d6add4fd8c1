package planner

import "slices"

// unservedPenalty makes one unserved student cost more than any amount of
// driving, so the search never trades a student for kilometres.
const unservedPenalty = int64(1) << 40

// solution is a whole morning in the search: one route per car.
type solution struct {
	routes   []route
	where    []int32 // task → route index, or -1 when unserved
	dist     int64
	unserved int
}

func newSolution(m *model) *solution {
	s := &solution{routes: make([]route, len(m.cars)), where: make([]int32, len(m.tasks))}
	for i := range s.routes {
		s.routes[i].car = int32(i)
	}
	for i := range s.where {
		s.where[i] = -1
	}
	s.unserved = len(m.tasks)
	return s
}

func (s *solution) cost() int64 { return s.dist + int64(s.unserved)*unservedPenalty }

// copyFrom makes s equal to o, reusing s's buffers.
func (s *solution) copyFrom(o *solution) {
	if len(s.routes) != len(o.routes) {
		s.routes = make([]route, len(o.routes))
	}
	for i := range o.routes {
		stops := append(s.routes[i].stops[:0], o.routes[i].stops...)
		s.routes[i] = o.routes[i]
		s.routes[i].stops = stops
	}
	s.where = append(s.where[:0], o.where...)
	s.dist, s.unserved = o.dist, o.unserved
}

// remove takes task ti out of its route.
func (m *model) remove(s *solution, ti int32) {
	ri := s.where[ti]
	r := &s.routes[ri]
	s.dist -= int64(r.dist)
	r.stops = slices.DeleteFunc(r.stops, func(st stop) bool { return st.task() == ti })
	m.refresh(r)
	s.dist += int64(r.dist)
	s.where[ti] = -1
	s.unserved++
}

// place puts task ti where ins says.
func (m *model) place(s *solution, ti int32, ins insertion) {
	r := &s.routes[ins.route]
	s.dist -= int64(r.dist)
	m.insert(r, ti, ins)
	s.dist += int64(r.dist)
	s.where[ti] = ins.route
	s.unserved--
}
