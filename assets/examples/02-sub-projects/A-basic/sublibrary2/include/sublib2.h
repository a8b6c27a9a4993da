#pragma once
static inline int sublib2_answer(void) { return 42; }
