// Element-wise activations (hlsflow.ir.ops.activation). Each output is the exact result
// (ap arithmetic on exact operands, comparisons exact) assigned once to res_T.
//
// activation: the exact functions, by CFG::kind
//   0 relu          y = x > 0 ? x : 0
//   1 clipped relu  y = min(max(x, 0), k)          (relu with max_value, relu6)
//   2 leaky relu    y = x >= 0 ? x : k * x
//   3 hard sigmoid  y = clip(k * x + b, 0, 1)       (k = 0.2 and b = 1/2, quantised)
//   CFG: n_pos, n_chan, kind, k_t + k_raw, b_t + b_raw (unused ones are 0).
// activation_table: table functions (nnet/table.h), by CFG::kind
//   0 y = T(x) (sigmoid, tanh, softsign);  1 elu: x >= 0 ? x : T(x);
//   2 selu: x >= 0 ? k * x : T(x)
//   CFG: n_pos, n_chan, kind, index_t, table_t, lo_t + lo_raw, scale_t, k_t + k_raw.
#ifndef NNET_ACTIVATION_H_
#define NNET_ACTIVATION_H_

#include "nnet/positions.h"
#include "nnet/table.h"

namespace nnet {

// One overload per kind (tag kind<CFG::kind>, nnet/positions.h).
template <class CFG, class data_T, class res_T>
inline void exact_function(kind<0>, const data_T& x, res_T& y) {  // relu
    if (x > 0) y = x;
    else y = 0;
}

template <class CFG, class data_T, class res_T>
inline void exact_function(kind<1>, const data_T& x, res_T& y) {  // clipped relu
    const typename CFG::k_t k = hlsflow::from_raw<typename CFG::k_t>(CFG::k_raw);
    if (x <= 0) y = 0;
    else if (x > k) y = k;
    else y = x;
}

template <class CFG, class data_T, class res_T>
inline void exact_function(kind<2>, const data_T& x, res_T& y) {  // leaky relu
    if (x >= 0) y = x;
    else y = hlsflow::from_raw<typename CFG::k_t>(CFG::k_raw) * x;
}

template <class CFG, class data_T, class res_T>
inline void exact_function(kind<3>, const data_T& x, res_T& y) {  // hard sigmoid
    const typename CFG::k_t k = hlsflow::from_raw<typename CFG::k_t>(CFG::k_raw);
    const typename CFG::b_t b = hlsflow::from_raw<typename CFG::b_t>(CFG::b_raw);
    if (k * x + b < 0) y = 0;
    else if (k * x + b > 1) y = 1;
    else y = k * x + b;
}

template <class CFG>
struct exact_activation {
    template <class data_T, class res_T>
    void operator()(const data_T& x, res_T& y) const {
        HLSFLOW_INLINE
        exact_function<CFG>(kind<CFG::kind>(), x, y);
    }
};

// The branch for x >= 0 of the table kinds 1 (elu: x) and 2 (selu: k * x).
template <class CFG, class data_T, class res_T, int K>
inline void linear_branch(kind<K>, const data_T& x, res_T& y) {
    y = x;
}

template <class CFG, class data_T, class res_T>
inline void linear_branch(kind<2>, const data_T& x, res_T& y) {
    y = hlsflow::from_raw<typename CFG::k_t>(CFG::k_raw) * x;
}

template <class CFG, class RAW>
struct table_activation {
    const RAW* table;
    template <class data_T, class res_T>
    void operator()(const data_T& x, res_T& y) const {
        HLSFLOW_INLINE
        if (CFG::kind == 0 || x < 0) {
            y = lookup<typename CFG::index_t, typename CFG::table_t, typename CFG::lo_t, typename CFG::scale_t>(
                x, CFG::lo_raw, table);
        } else {
            linear_branch<CFG>(kind<CFG::kind>(), x, y);
        }
    }
};

template <class data_T, class res_T, class CFG>
void activation(const data_T x[CFG::n_pos * CFG::n_chan], res_T y[CFG::n_pos * CFG::n_chan]) {
    each_channel<CFG, exact_activation<CFG> > k = {};
    positions<data_T, res_T, CFG>(x, y, k);
}

template <class data_T, class res_T, class CFG>
void activation_stream(hlsflow::stream<array<data_T, CFG::n_chan> >& x, hlsflow::stream<array<res_T, CFG::n_chan> >& y) {
    each_channel<CFG, exact_activation<CFG> > k = {};
    positions_stream<data_T, res_T, CFG>(x, y, k);
}

template <class data_T, class res_T, class CFG, class RAW>
void activation_table(const data_T x[CFG::n_pos * CFG::n_chan], res_T y[CFG::n_pos * CFG::n_chan], const RAW table[]) {
    each_channel<CFG, table_activation<CFG, RAW> > k = {{table}};
    positions<data_T, res_T, CFG>(x, y, k);
}

template <class data_T, class res_T, class CFG, class RAW>
void activation_table_stream(hlsflow::stream<array<data_T, CFG::n_chan> >& x,
                             hlsflow::stream<array<res_T, CFG::n_chan> >& y, const RAW table[]) {
    each_channel<CFG, table_activation<CFG, RAW> > k = {{table}};
    positions_stream<data_T, res_T, CFG>(x, y, k);
}

}  // namespace nnet

#endif
