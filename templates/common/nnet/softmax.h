// Softmax over the channels of each position (hlsflow.ir.ops.softmax), with two tables:
//   m = max x;  e[c] = E(x[c] - m);  s = sum e (exact, sum_t);  inv = I(s);
//   y[c] = e[c] * inv (exact product, assigned once to res_T).
// CFG: n_pos, n_chan, sum_t, and for the exp (exp_) and inverse (inv_) tables each
// index_t, table_t, lo_t + lo_raw, scale_t (see nnet/table.h).
#ifndef NNET_SOFTMAX_H_
#define NNET_SOFTMAX_H_

#include "nnet/positions.h"
#include "nnet/table.h"

namespace nnet {

template <class CFG, class E_RAW, class I_RAW>
struct softmax_kernel {
    template <class data_T, class res_T>
    void operator()(const data_T x[CFG::n_chan], res_T y[CFG::n_chan]) const {
        HLSFLOW_INLINE
        data_T m = x[0];
        for (unsigned c = 1; c < CFG::n_chan; c++) {
            HLSFLOW_UNROLL
            if (x[c] > m) m = x[c];
        }
        typename CFG::exp_table_t e[CFG::n_chan];
        HLSFLOW_PARTITION(e)
        typename CFG::sum_t s = 0;
        for (unsigned c = 0; c < CFG::n_chan; c++) {
            HLSFLOW_UNROLL
            e[c] = lookup<typename CFG::exp_index_t, typename CFG::exp_table_t, typename CFG::exp_lo_t,
                          typename CFG::exp_scale_t>(x[c] - m, CFG::exp_lo_raw, exp_table);
            s += e[c];
        }
        const typename CFG::inv_table_t inv =
            lookup<typename CFG::inv_index_t, typename CFG::inv_table_t, typename CFG::inv_lo_t,
                   typename CFG::inv_scale_t>(s, CFG::inv_lo_raw, inv_table);
        for (unsigned c = 0; c < CFG::n_chan; c++) {
            HLSFLOW_UNROLL
            y[c] = e[c] * inv;
        }
    }

    const E_RAW* exp_table;
    const I_RAW* inv_table;
};

template <class data_T, class res_T, class CFG, class E_RAW, class I_RAW>
void softmax_stream(hlsflow::stream<array<data_T, CFG::n_chan> >& x, hlsflow::stream<array<res_T, CFG::n_chan> >& y,
                    const E_RAW exp_table[], const I_RAW inv_table[]) {
    softmax_kernel<CFG, E_RAW, I_RAW> k = {exp_table, inv_table};
    positions_stream<data_T, res_T, CFG>(x, y, k);
}

template <class data_T, class res_T, class CFG, class E_RAW, class I_RAW>
void softmax(const data_T x[CFG::n_pos * CFG::n_chan], res_T y[CFG::n_pos * CFG::n_chan], const E_RAW exp_table[],
             const I_RAW inv_table[]) {
    softmax_kernel<CFG, E_RAW, I_RAW> k = {exp_table, inv_table};
    positions<data_T, res_T, CFG>(x, y, k);
}

}  // namespace nnet

#endif
