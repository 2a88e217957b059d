// hlsflow C-simulation model of Algorithmic C ac_fixed<W,I,S,Q,O>. Written for hlsflow
// from the documented semantics: the value is raw * 2^(I-W); +, -, * are exact (their
// result types are wide enough); assignment to a type quantises by its Q mode (AC_TRN,
// AC_TRN_ZERO, AC_RND, AC_RND_ZERO, AC_RND_INF, AC_RND_MIN_INF, AC_RND_CONV,
// AC_RND_CONV_ODD) and then handles overflow by its O mode (AC_WRAP, AC_SAT,
// AC_SAT_ZERO, AC_SAT_SYM). Subset used by hlsflow's generated code; widths <= 126.
#ifndef HLSFLOW_SIM_AC_FIXED_H
#define HLSFLOW_SIM_AC_FIXED_H

#include "ac_int.h"

template <int W, int I, bool S = true, ac_q_mode Q = AC_TRN, ac_o_mode O = AC_WRAP>
class ac_fixed;

namespace hlsflow_ac {
constexpr int imax(int a, int b) { return a > b ? a : b; }

template <int W, int I, bool S, int W2, int I2, bool S2>
struct rt {
    enum {
        F = W - I,
        F2 = W2 - I2,
        plus_i = imax(I + (S2 && !S), I2 + (S && !S2)) + 1,
        plus_w = plus_i + imax(F, F2),
    };
    typedef ac_fixed<W + W2, I + I2, S || S2> mult;
    typedef ac_fixed<plus_w, plus_i, S || S2> plus;
    typedef ac_fixed<plus_w, plus_i, true> minus;
};

// The C integer types as exact ac_fixed values.
template <class T>
struct int_fx {};
template <> struct int_fx<int> { typedef ac_fixed<32, 32, true> type; };
template <> struct int_fx<unsigned> { typedef ac_fixed<32, 32, false> type; };
template <> struct int_fx<long> { typedef ac_fixed<64, 64, true> type; };
template <> struct int_fx<unsigned long> { typedef ac_fixed<64, 64, false> type; };
template <> struct int_fx<long long> { typedef ac_fixed<64, 64, true> type; };
template <> struct int_fx<unsigned long long> { typedef ac_fixed<64, 64, false> type; };
}  // namespace hlsflow_ac

template <int W, int I, bool S, ac_q_mode Q, ac_o_mode O>
class ac_fixed {
   public:
    static const int width = W;
    static const int i_width = I;
    static const bool sign = S;
    static const ac_o_mode o_mode = O;
    static const ac_q_mode q_mode = Q;
    enum { F = W - I };
    hlsflow_ac::s128 v;  // raw mantissa, in range

    ac_fixed() : v(0) {}
    template <int W2, int I2, bool S2, ac_q_mode Q2, ac_o_mode O2>
    ac_fixed(const ac_fixed<W2, I2, S2, Q2, O2>& o) : v(hlsflow_ac::convert<W, S, Q, O>(o.v, W2 - I2, F)) {}
    template <int W2, bool S2>
    ac_fixed(const ac_int<W2, S2>& o) : v(hlsflow_ac::convert<W, S, Q, O>(o.v, 0, F)) {}
    ac_fixed(int x) : v(hlsflow_ac::convert<W, S, Q, O>(x, 0, F)) {}
    ac_fixed(unsigned x) : v(hlsflow_ac::convert<W, S, Q, O>(x, 0, F)) {}
    ac_fixed(long x) : v(hlsflow_ac::convert<W, S, Q, O>(x, 0, F)) {}
    ac_fixed(unsigned long x) : v(hlsflow_ac::convert<W, S, Q, O>(x, 0, F)) {}
    ac_fixed(long long x) : v(hlsflow_ac::convert<W, S, Q, O>(x, 0, F)) {}
    ac_fixed(unsigned long long x) : v(hlsflow_ac::convert<W, S, Q, O>(x, 0, F)) {}
    ac_fixed(double d) : v(hlsflow_ac::from_double<W, S, Q, O>(d, F)) {}
    ac_fixed(float d) : v(hlsflow_ac::from_double<W, S, Q, O>(d, F)) {}

    // integer part (floor), as the AC conversions
    hlsflow_ac::s128 int_part() const { return F >= 0 ? (v >> (F >= 0 ? F : 0)) : hlsflow_ac::shl(v, F >= 0 ? 0 : -F); }
    int to_int() const { return (int)int_part(); }
    unsigned to_uint() const { return (unsigned)int_part(); }
    long to_long() const { return (long)int_part(); }
    unsigned long to_ulong() const { return (unsigned long)int_part(); }
    long long to_int64() const { return (long long)int_part(); }
    unsigned long long to_uint64() const { return (unsigned long long)int_part(); }
    double to_double() const { return ldexp((double)v, -F); }
    ac_int<(I > 1 ? I : 1), S> to_ac_int() const { return ac_int<(I > 1 ? I : 1), S>((long long)int_part()); }

    template <int WS>
    ac_int<WS, S> slc(int lsb) const {
        ac_int<WS, S> r;
        r.v = hlsflow_ac::wrap<WS, S>(v >> lsb);
        return r;
    }
    template <int W2, bool S2>
    ac_fixed& set_slc(int lsb, const ac_int<W2, S2>& s) {
        ac_int<W, S> r;
        r.v = v;
        r.set_slc(lsb, s);
        v = r.v;
        return *this;
    }

    ac_fixed<W + 1, I + 1, true> operator-() const {
        ac_fixed<W + 1, I + 1, true> r;
        r.v = -v;
        return r;
    }
    const ac_fixed& operator+() const { return *this; }

    template <class T>
    ac_fixed& operator+=(const T& o) { return *this = *this + o; }
    template <class T>
    ac_fixed& operator-=(const T& o) { return *this = *this - o; }
    template <class T>
    ac_fixed& operator*=(const T& o) { return *this = *this * o; }
};

// -- exact arithmetic and comparisons --------------------------------------------------
#define HFAC_T1 int W1, int I1, bool S1, ac_q_mode Q1, ac_o_mode O1
#define HFAC_T2 int W2, int I2, bool S2, ac_q_mode Q2, ac_o_mode O2
#define HFAC_A ac_fixed<W1, I1, S1, Q1, O1>
#define HFAC_B ac_fixed<W2, I2, S2, Q2, O2>
#define HFAC_RT hlsflow_ac::rt<W1, I1, S1, W2, I2, S2>

template <HFAC_T1, HFAC_T2>
inline typename HFAC_RT::mult operator*(const HFAC_A& a, const HFAC_B& b) {
    typename HFAC_RT::mult r;
    r.v = a.v * b.v;
    return r;
}
template <HFAC_T1, HFAC_T2>
inline typename HFAC_RT::plus operator+(const HFAC_A& a, const HFAC_B& b) {
    const int f = hlsflow_ac::imax(W1 - I1, W2 - I2);
    typename HFAC_RT::plus r;
    r.v = hlsflow_ac::shl(a.v, f - (W1 - I1)) + hlsflow_ac::shl(b.v, f - (W2 - I2));
    return r;
}
template <HFAC_T1, HFAC_T2>
inline typename HFAC_RT::minus operator-(const HFAC_A& a, const HFAC_B& b) {
    const int f = hlsflow_ac::imax(W1 - I1, W2 - I2);
    typename HFAC_RT::minus r;
    r.v = hlsflow_ac::shl(a.v, f - (W1 - I1)) - hlsflow_ac::shl(b.v, f - (W2 - I2));
    return r;
}

#define HFAC_CMP(OP)                                                                            \
    template <HFAC_T1, HFAC_T2>                                                                 \
    inline bool operator OP(const HFAC_A& a, const HFAC_B& b) {                                \
        const int f = hlsflow_ac::imax(W1 - I1, W2 - I2);                                       \
        return hlsflow_ac::shl(a.v, f - (W1 - I1)) OP hlsflow_ac::shl(b.v, f - (W2 - I2));     \
    }                                                                                           \
    template <HFAC_T1, class T>                                                                 \
    inline bool operator OP(const HFAC_A& a, T b) {                                             \
        return a OP typename hlsflow_ac::int_fx<T>::type(b);                                    \
    }                                                                                           \
    template <HFAC_T1, class T>                                                                 \
    inline bool operator OP(T a, const HFAC_A& b) {                                             \
        return typename hlsflow_ac::int_fx<T>::type(a) OP b;                                    \
    }
HFAC_CMP(==)
HFAC_CMP(!=)
HFAC_CMP(<)
HFAC_CMP(<=)
HFAC_CMP(>)
HFAC_CMP(>=)
#undef HFAC_CMP

#define HFAC_INT_OP(OP)                                                                         \
    template <HFAC_T1, class T>                                                                 \
    inline auto operator OP(const HFAC_A& a, T b)->decltype(a OP typename hlsflow_ac::int_fx<T>::type(b)) { \
        return a OP typename hlsflow_ac::int_fx<T>::type(b);                                    \
    }                                                                                           \
    template <HFAC_T1, class T>                                                                 \
    inline auto operator OP(T a, const HFAC_A& b)->decltype(typename hlsflow_ac::int_fx<T>::type(a) OP b) { \
        return typename hlsflow_ac::int_fx<T>::type(a) OP b;                                    \
    }
HFAC_INT_OP(+)
HFAC_INT_OP(-)
HFAC_INT_OP(*)
#undef HFAC_INT_OP
#undef HFAC_T1
#undef HFAC_T2
#undef HFAC_A
#undef HFAC_B
#undef HFAC_RT

#endif
