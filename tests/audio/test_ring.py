"""The PCM ring buffer: order, wrap-around, growth, reset, and a writer racing a reader."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.audio.ring import PcmRingBuffer


def frames(values: range | list[int], channels: int = 1) -> np.ndarray:
    return np.array(values, dtype=np.int16).reshape(-1, channels)


def read(ring: PcmRingBuffer, count: int) -> list[int]:
    out = np.full((count, ring.channels), -1, dtype=np.int16)
    got = ring.read_into(out)
    return out[:got].reshape(-1).tolist()


def test_reads_come_out_in_the_order_written_across_the_wrap() -> None:
    ring = PcmRingBuffer(capacity=8)
    ring.write(frames(range(6)))
    assert read(ring, 4) == [0, 1, 2, 3]
    ring.write(frames(range(6, 12)))  # wraps around the end
    assert ring.capacity == 8
    assert read(ring, 100) == list(range(4, 12))
    assert ring.available == 0
    assert ring.position == 12


def test_a_short_read_leaves_the_rest_of_the_output_untouched() -> None:
    ring = PcmRingBuffer(capacity=4)
    ring.write(frames([7, 8]))
    out = np.full((4, 1), -1, dtype=np.int16)
    assert ring.read_into(out) == 2
    assert out.reshape(-1).tolist() == [7, 8, -1, -1]


def test_a_full_ring_grows_instead_of_dropping() -> None:
    ring = PcmRingBuffer(capacity=4)
    ring.write(frames(range(3)))
    read(ring, 2)
    ring.write(frames(range(3, 20)))
    assert ring.capacity >= 18
    assert read(ring, 100) == list(range(2, 20))


def test_frames_keep_their_channels_together() -> None:
    ring = PcmRingBuffer(channels=2, capacity=3)
    ring.write(frames([1, 2, 3, 4, 5, 6], channels=2))
    assert read(ring, 2) == [1, 2, 3, 4]
    assert ring.available == 1


def test_reset_replaces_the_content_and_the_position() -> None:
    ring = PcmRingBuffer(capacity=4)
    ring.write(frames(range(4)))
    ring.reset(frames(range(100, 110)), position=50)
    assert ring.position == 50
    assert read(ring, 3) == [100, 101, 102]
    assert ring.position == 53
    ring.reset()
    assert (ring.available, ring.position) == (0, 0)


def test_bad_sizes_are_refused() -> None:
    with pytest.raises(ValueError):
        PcmRingBuffer(channels=0)
    with pytest.raises(ValueError):
        PcmRingBuffer(capacity=0)


@settings(database=None, max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40)), max_size=30))
def test_any_mix_of_writes_and_reads_is_a_fifo(steps: list[tuple[int, int]]) -> None:
    ring = PcmRingBuffer(capacity=5)
    written = 0
    expected: list[int] = []
    got: list[int] = []
    for write_count, read_count in steps:
        ring.write(frames(range(written, written + write_count)))
        expected += range(written, written + write_count)
        written += write_count
        got += read(ring, read_count)
    got += read(ring, written)
    assert got == expected


def test_a_reader_thread_sees_every_frame_once_in_order() -> None:
    ring = PcmRingBuffer(capacity=64)
    total = 200_000
    received: list[np.ndarray] = []
    done = threading.Event()

    def reader() -> None:
        out = np.zeros((37, 1), dtype=np.int16)
        count = 0
        while count < total:
            got = ring.read_into(out)
            received.append(out[:got, 0].copy())
            count += got
        done.set()

    thread = threading.Thread(target=reader)
    thread.start()
    values = (np.arange(total) % 30000).astype(np.int16)
    for start in range(0, total, 1000):
        ring.write(values[start : start + 1000].reshape(-1, 1))
    assert done.wait(30)
    thread.join()
    assert np.array_equal(np.concatenate(received), values)
