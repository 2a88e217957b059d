// hlsflow C-simulation model of Algorithmic C ac_int (and the ac_q_mode / ac_o_mode
// enums ac_fixed uses). Written for hlsflow from the documented semantics of the AC
// datatypes; covers the subset hlsflow's generated code uses. Values are held exactly in
// a 128-bit two's complement word (widths up to 126 bits).
#ifndef HLSFLOW_SIM_AC_INT_H
#define HLSFLOW_SIM_AC_INT_H

#include <math.h>
#include <stdint.h>

enum ac_q_mode { AC_TRN, AC_RND, AC_TRN_ZERO, AC_RND_ZERO, AC_RND_INF, AC_RND_MIN_INF, AC_RND_CONV, AC_RND_CONV_ODD };
enum ac_o_mode { AC_WRAP, AC_SAT, AC_SAT_ZERO, AC_SAT_SYM };

namespace hlsflow_ac {

__extension__ typedef __int128 s128;
__extension__ typedef unsigned __int128 u128;

inline s128 shl(s128 v, int n) { return (s128)((u128)v << n); }

// The low W bits of v, sign-extended (S) or zero-extended over the word.
template <int W, bool S>
inline s128 wrap(s128 v) {
    if (W >= 127) return v;
    const u128 m = (((u128)1) << W) - 1;
    u128 u = (u128)v & m;
    if (S && W > 0 && ((u >> (W - 1)) & 1)) u |= ~m;
    return (s128)u;
}

// v * 2^-d (d > 0) rounded to an integer by mode Q.
template <ac_q_mode Q>
inline s128 quantize(s128 v, int d) {
    if (d > 125) {  // |v| < 2^125 < half an LSB: nearest is 0
        if (Q == AC_TRN) return v < 0 ? -1 : 0;
        return 0;
    }
    const s128 q = v >> d;
    const s128 rem = v - shl(q, d);
    if (rem == 0 || Q == AC_TRN) return q;
    if (Q == AC_TRN_ZERO) return v < 0 ? q + 1 : q;
    const s128 half = shl(1, d - 1);
    if (rem != half) return rem > half ? q + 1 : q;
    switch (Q) {  // ties
        case AC_RND: return q + 1;
        case AC_RND_ZERO: return v < 0 ? q + 1 : q;
        case AC_RND_INF: return v < 0 ? q : q + 1;
        case AC_RND_MIN_INF: return q;
        case AC_RND_CONV: return (q & 1) ? q + 1 : q;
        default: return (q & 1) ? q : q + 1;  // AC_RND_CONV_ODD
    }
}

// An exact integer q brought into a W-bit (S) word by overflow mode O.
template <int W, bool S, ac_o_mode O>
inline s128 overflow(s128 q) {
    if (O == AC_WRAP) return wrap<W, S>(q);
    const s128 maxv = S ? shl(1, W - 1) - 1 : shl(1, W) - 1;
    const s128 minv = S ? -shl(1, W - 1) : 0;
    const bool sym = O == AC_SAT_SYM && S && W > 1;  // signed minimum becomes -max
    if (q > maxv) return O == AC_SAT_ZERO ? 0 : maxv;
    if (q < minv || (sym && q == minv)) return O == AC_SAT_ZERO ? 0 : (sym ? -maxv : minv);
    return q;
}

// A raw value with f2 fractional bits converted to W bits with f fractional bits.
template <int W, bool S, ac_q_mode Q, ac_o_mode O>
inline s128 convert(s128 v, int f2, int f) {
    const s128 q = f2 > f ? quantize<Q>(v, f2 - f) : shl(v, f - f2);
    return overflow<W, S, O>(q);
}

// A double times 2^f converted by Q and O (exact for every value a double holds).
template <int W, bool S, ac_q_mode Q, ac_o_mode O>
inline s128 from_double(double d, int f) {
    const double lim = ldexp(1.0, 124);
    double x = ldexp(d, f + 2);  // two more bits: the tie/above-tie decision stays exact
    double fl = floor(x);
    const double sticky = x - fl;  // nonzero when bits below those two were dropped
    if (fl >= lim) fl = lim;
    if (fl <= -lim) fl = -lim;
    s128 v = (s128)fl;
    // the dropped part only matters as "strictly more than nothing": add a sticky bit
    v = shl(v, 1) | (sticky != 0 ? 1 : 0);
    return convert<W, S, Q, O>(v, 3, 0);
}

}  // namespace hlsflow_ac

template <int W, bool S = true>
class ac_int {
   public:
    static const int width = W;
    static const bool sign = S;
    hlsflow_ac::s128 v;

    ac_int() : v(0) {}
    ac_int(int x) : v(hlsflow_ac::wrap<W, S>(x)) {}
    ac_int(unsigned x) : v(hlsflow_ac::wrap<W, S>(x)) {}
    ac_int(long x) : v(hlsflow_ac::wrap<W, S>(x)) {}
    ac_int(unsigned long x) : v(hlsflow_ac::wrap<W, S>(x)) {}
    ac_int(long long x) : v(hlsflow_ac::wrap<W, S>(x)) {}
    ac_int(unsigned long long x) : v(hlsflow_ac::wrap<W, S>(x)) {}
    template <int W2, bool S2>
    ac_int(const ac_int<W2, S2>& o) : v(hlsflow_ac::wrap<W, S>(o.v)) {}

    int to_int() const { return (int)v; }
    unsigned to_uint() const { return (unsigned)v; }
    long long to_int64() const { return (long long)v; }
    unsigned long long to_uint64() const { return (unsigned long long)v; }
    double to_double() const { return (double)v; }

    template <int WS>
    ac_int<WS, S> slc(int lsb) const {
        ac_int<WS, S> r;
        r.v = hlsflow_ac::wrap<WS, S>(v >> lsb);
        return r;
    }
    template <int W2, bool S2>
    ac_int& set_slc(int lsb, const ac_int<W2, S2>& s) {
        const hlsflow_ac::u128 m = hlsflow_ac::wrap<W2, false>(-1);
        const hlsflow_ac::u128 u = ((hlsflow_ac::u128)v & ~(m << lsb)) | (((hlsflow_ac::u128)s.v & m) << lsb);
        v = hlsflow_ac::wrap<W, S>((hlsflow_ac::s128)u);
        return *this;
    }
};

#endif
