"""A run's record (mnist_core.training.record) as the CLI's sidecar and the pages keep it."""

from mnist_core import TrainingHistory


def test_thinned_history_keeps_epoch_ends_and_at_most_the_points_asked():
    steps = list(range(1, 1001))
    history = TrainingHistory(batch_step=steps, batch_loss=[1.0 / s for s in steps],
                              batch_accuracy=[0.5] * 1000, epoch=[1, 2, 3], loss=[0.3, 0.2, 0.1],
                              accuracy=[0.9] * 3, val_loss=[0.2] * 3,
                              val_accuracy=[0.95] * 3, epoch_end_step=[333, 666, 1000])
    thin = history.thinned(50)
    assert len(thin.batch_step) <= 53 and thin.batch_step[0] == 1 and thin.batch_step[-1] == 1000
    assert {333, 666, 1000} <= set(thin.batch_step)
    assert thin.batch_loss == [1.0 / step for step in thin.batch_step]
    assert (thin.epoch, thin.loss) == (history.epoch, history.loss)
    assert thin.epoch_end_step == history.epoch_end_step
    assert TrainingHistory().thinned(50) == TrainingHistory()
