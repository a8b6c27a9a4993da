#pragma once
class Hello { public: void print(); };
