//! The memory pool of a capped session: DataFusion's fair sharing among the
//! operators that spill (sorts), with a part of the cap kept free for the
//! operators that cannot spill.
//!
//! DataFusion's `FairSpillPool` lets the spilling operators fill the whole
//! cap between them. An operator that cannot spill — a sort's merge
//! buffer, a sort-preserving merge, a hash aggregate over a handful of
//! groups — that asks for a few hundred KB a moment later then fails with
//! "resources exhausted", although every sort could have spilled to make
//! room: whether a query under a cap finishes depended on which partition
//! ran first. Here the spilling operators share the cap less a headroom
//! (an eighth of it), so the others always find that much free.

use datafusion::error::{DataFusionError, Result};
use datafusion::execution::memory_pool::{
    MemoryConsumer, MemoryLimit, MemoryPool, MemoryReservation,
};
use std::fmt;
use std::sync::{Mutex, MutexGuard};

/// A fixed-size pool: the spilling consumers share the size less a
/// headroom fairly (each at most its fraction), the others may use
/// whatever is free, the headroom included.
#[derive(Debug)]
pub(crate) struct HeadroomPool {
    size: usize,
    headroom: usize,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Consumers that can spill.
    spillers: usize,
    /// Bytes held by consumers that can spill.
    spillable: usize,
    /// Bytes held by the others.
    unspillable: usize,
}

impl HeadroomPool {
    /// A pool of `size` bytes keeping an eighth free for consumers that
    /// cannot spill.
    pub(crate) fn new(size: usize) -> Self {
        HeadroomPool {
            size,
            headroom: size / 8,
            state: Mutex::new(State::default()),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // the state is a few counters updated in single statements: a
        // panic elsewhere cannot leave them half-written
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn refuse(
        &self,
        reservation: &MemoryReservation,
        additional: usize,
        available: usize,
    ) -> DataFusionError {
        DataFusionError::ResourcesExhausted(format!(
            "Failed to allocate additional {additional} bytes for {} with {} bytes already \
             allocated for this reservation - {available} bytes remain available for it in \
             the memory pool: {self}",
            reservation.consumer().name(),
            reservation.size(),
        ))
    }
}

impl fmt::Display for HeadroomPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "headroom(pool_size: {}, kept for operators that cannot spill: {})",
            self.size, self.headroom
        )
    }
}

impl MemoryPool for HeadroomPool {
    fn name(&self) -> &str {
        "headroom"
    }

    fn register(&self, consumer: &MemoryConsumer) {
        if consumer.can_spill() {
            self.state().spillers += 1;
        }
    }

    fn unregister(&self, consumer: &MemoryConsumer) {
        if consumer.can_spill() {
            let mut state = self.state();
            state.spillers = state.spillers.saturating_sub(1);
        }
    }

    fn grow(&self, reservation: &MemoryReservation, additional: usize) {
        let mut state = self.state();
        if reservation.consumer().can_spill() {
            state.spillable += additional;
        } else {
            state.unspillable += additional;
        }
    }

    fn shrink(&self, reservation: &MemoryReservation, shrink: usize) {
        let mut state = self.state();
        if reservation.consumer().can_spill() {
            state.spillable = state.spillable.saturating_sub(shrink);
        } else {
            state.unspillable = state.unspillable.saturating_sub(shrink);
        }
    }

    fn try_grow(&self, reservation: &MemoryReservation, additional: usize) -> Result<()> {
        let mut state = self.state();
        if reservation.consumer().can_spill() {
            // the spillers' share: the size less what the others hold and
            // the headroom, split evenly
            let shared = self.size.saturating_sub(state.unspillable + self.headroom);
            let each = shared / state.spillers.max(1);
            if reservation.size() + additional > each {
                return Err(self.refuse(
                    reservation,
                    additional,
                    each.saturating_sub(reservation.size()),
                ));
            }
            state.spillable += additional;
        } else {
            let free = self
                .size
                .saturating_sub(state.unspillable + state.spillable);
            if additional > free {
                return Err(self.refuse(reservation, additional, free));
            }
            state.unspillable += additional;
        }
        Ok(())
    }

    fn reserved(&self) -> usize {
        let state = self.state();
        state.spillable + state.unspillable
    }

    fn memory_limit(&self) -> MemoryLimit {
        MemoryLimit::Finite(self.size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn spillers_share_the_size_less_the_headroom_and_the_others_keep_it() {
        let pool: Arc<dyn MemoryPool> = Arc::new(HeadroomPool::new(800));
        let a = MemoryConsumer::new("a")
            .with_can_spill(true)
            .register(&pool);
        let b = MemoryConsumer::new("b")
            .with_can_spill(true)
            .register(&pool);
        let merge = MemoryConsumer::new("merge").register(&pool);
        // two spillers share 800 - 100: 350 each
        a.try_grow(350).expect("a's share");
        assert!(a.try_grow(1).is_err(), "past a's share");
        b.try_grow(350).expect("b's share");
        // the one that cannot spill still finds the headroom
        merge.try_grow(100).expect("the headroom");
        assert!(merge.try_grow(1).is_err(), "the pool is full");
        assert_eq!(pool.reserved(), 800);
        // what the others hold comes out of the spillers' share
        a.shrink(350);
        assert!(a.try_grow(301).is_err(), "(800 - 100 - 100) / 2 = 300");
        a.try_grow(300).expect("300");
        drop(merge);
        drop(b);
        assert_eq!(pool.reserved(), 300);
        // alone, a spiller has the size less the headroom
        a.try_grow(400).expect("700 in all");
        let e = a.try_grow(1).expect_err("past 700").to_string();
        assert!(e.contains("for a with 700 bytes already allocated"), "{e}");
    }
}
