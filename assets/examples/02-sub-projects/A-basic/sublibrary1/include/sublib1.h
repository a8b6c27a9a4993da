#pragma once
void sublib1_print(void);
