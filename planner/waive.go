package planner

// The margin is a promise to the student, the gate is the exam's. When a
// morning is too tight to keep the margin for everyone (the benchmark's
// outer towns have more students than nearby cars have seats), a few
// students are planned to arrive after ArriveBy - Margin, never after
// ArriveBy, rather than be left at home. Waivers go first to students no
// car could bring early even alone, then to those the search cannot place,
// then to the riders of the cars that could reach them.

// waive lets task ti arrive by the gate itself instead of margin before it.
// Each worker owns its task table, so this never touches another's model.
func (m *model) waive(ti int32) {
	tk := &m.tasks[ti]
	if m.strict || tk.deadline == tk.gate {
		return
	}
	tk.deadline = tk.gate
	m.solo[ti] = soloCars(m, tk)
}

// open counts the unserved students that a car could still reach.
func (w *worker) open() int { return w.cur.unserved - w.m.hopelessCount }

// waiveUnserved gives up the margin for the students the search has not
// managed to place and, if that was not enough (riders), for those riding
// the few cars that could reach them: on a tight morning some must arrive
// closer to the gate, pooled more tightly, so that none is left at home.
func (w *worker) waiveUnserved(riders bool) {
	s := w.cur
	for t, ri := range s.where {
		if ri >= 0 || w.m.hopeless[t] {
			continue
		}
		w.m.waive(int32(t))
		if !riders {
			continue
		}
		for _, ci := range w.m.solo[t] {
			for _, st := range s.routes[ci].stops {
				w.m.waive(st.task())
			}
		}
	}
	// Deadlines moved: the cached slacks must follow.
	for ri := range s.routes {
		w.m.refresh(&s.routes[ri])
	}
}
