{
    'name': 'Flipdeck lab jobs',
    'version': '1.0.0',
    'depends': ['queue_job'],
    'post_init_hook': 'post_init_hook',
    'installable': True,
}
